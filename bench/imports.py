"""Benchmark of what importing costs: ``import livingtogether`` against ``import flask``.

Each import runs in a fresh interpreter (``python -c``), which measures the CPU
time of the import alone (``time.process_time`` around it, so the
interpreter's own start-up is left out); the best of N runs is printed, with
the ratio to Flask's. Floor: ``import livingtogether`` at most 1.5 times
``import flask``. For reference, without floors: the names that bring the
store (``Observatory``), and the web layer with its templates.

    python bench/imports.py [--runs 15]
"""

from __future__ import annotations

import argparse
import subprocess
import sys

IMPORTS = {
    "import livingtogether": "import livingtogether",
    "import flask": "import flask",
    "from livingtogether import Observatory": "from livingtogether import Observatory",
    "import livingtogether.web": "import livingtogether.web",
}
FLOOR = 1.5


def cpu_seconds(statement: str) -> float:
    """CPU seconds of ``statement`` in a fresh interpreter."""
    code = f"import time\nstart = time.process_time()\n{statement}\n" \
           "print(time.process_time() - start)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    return float(done.stdout.split()[-1])


def main() -> int:
    """Print the best CPU time of each import and the ratio; exit 1 if the floor is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh interpreters per import")
    args = parser.parse_args()
    best = {name: float("inf") for name in IMPORTS}
    for _ in range(args.runs):  # interleaved, so that the machine's load falls on all alike
        for name, statement in IMPORTS.items():
            best[name] = min(best[name], cpu_seconds(statement))
    print(f"CPU time of each import in a fresh interpreter, best of {args.runs}")
    flask = best["import flask"]
    for name, seconds in best.items():
        print(f"  {name:42} {seconds * 1000:8.1f} ms   {seconds / flask:5.2f} x import flask")
    ratio = best["import livingtogether"] / flask
    ok = ratio <= FLOOR
    print(f"  {'ok  ' if ok else 'FAIL'} import livingtogether / import flask = {ratio:.2f} "
          f"(ceiling {FLOOR})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
