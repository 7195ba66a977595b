"""Every benchmark of issue 18 in one run, summed up as project, limit and ratio.

Runs the scripts of bench/ one after the other, each in its own interpreter and
as it is (their own output is shown as it comes, indented), then prints one
table: each hot path's project figure, its limit (the same work done by the
simplest code on the same database and server), their ratio and its floor,
and the growth of every search path from one catalogue size to the next
(10,000 -> 100,000 -> 1,000,000 by default):

- ``imports.py``    import livingtogether against import flask
- ``embed.py``      the programme widget through each adapter against a static file
- ``revalidate.py`` 304s, cached and uncached widgets against the same bytes sent static
- ``pledges.py``    signatures and confirmations per second over HTTP
- ``hub.py``        the hub's first pull and no-change pull, the bundle import
- ``practices.py``  the catalogue's search at each size

PostgreSQL is measured too: at ``LIVINGTOGETHER_BENCH_POSTGRES_URL`` if set (a
scratch database: its tables are dropped), else on a throwaway server started
by ``scripts/postgres.sh`` (stopped at the end), unless ``--no-postgres``.

    python bench/all.py [--quick] [--sizes 10000,100000,1000000] [--no-postgres]

The whole output is also written to ``.cache/bench/last.txt``. Exit status 1 if
a floor was missed or a script failed.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import run_script

ROOT = Path(__file__).resolve().parent.parent
#: The search paths of the summary, with their floor at 100,000 practices (p95, ms).
SEARCHES = {"browse": 5.0, "one common word": 20.0, "two words + facets": 10.0,
            "page 100 (one common word)": 20.0}
GROWTH = 3.0
#: The scripts that write into the PostgreSQL database.
POSTGRES = ("pledges.py", "hub.py", "practices.py")
FLOAT = r"[\d.,]+"


class Summary:
    """The rows of the final table, and whether every floor held."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []
        self.missed: list[str] = []

    def add(self, path: str, project: str, limit: str = "", ratio: str = "",
            floor: str = "", ok: bool | None = None) -> None:
        """One row; ``ok`` False marks the floor missed."""
        verdict = "" if ok is None else ("ok" if ok else "MISSED")
        self.rows.append((path, project, limit, ratio, f"{floor} {verdict}".strip()))
        if ok is False:
            self.missed.append(path)

    def lines(self) -> list[str]:
        """The table, aligned."""
        head = ("path", "project", "limit", "ratio", "floor")
        widths = [max(len(row[i]) for row in [head, *self.rows]) for i in range(5)]
        return ["  " + "  ".join(cell.ljust(width) if i in (0, 4) else cell.rjust(width)
                                 for i, (cell, width) in enumerate(zip(row, widths, strict=True)))
                for row in [head, *self.rows]]


def number(text: str) -> float:
    """A printed figure as a float ("1,234.5" -> 1234.5)."""
    return float(text.replace(",", ""))


def sections(output: str, header: str) -> Iterator[tuple[re.Match[str], list[str]]]:
    """The lines of ``output`` after each line matching ``header``, up to the next."""
    current: tuple[re.Match[str], list[str]] | None = None
    for line in output.splitlines():
        found = re.match(header, line)
        if found:
            if current:
                yield current
            current = (found, [])
        elif current:
            current[1].append(line)
    if current:
        yield current


def searches(output: str) -> dict[str, dict[int, dict[str, tuple[float, float | None]]]]:
    """practices.py's figures: by database, size and path, (p95, limit's p95 or None)."""
    found: dict[str, dict[int, dict[str, tuple[float, float | None]]]] = {}
    for match, lines in sections(output, r"^(SQLite|PostgreSQL), ([\d,]+) practices \("):
        paths = found.setdefault(match.group(1), {}).setdefault(int(number(match.group(2))), {})
        for line in lines:
            values = line[36:].split()
            if not line.startswith("  ") or len(values) < 2:
                continue
            try:
                p95, _median = float(values[0]), float(values[1])
                limit = float(values[2]) if len(values) > 3 and values[3].endswith("x") \
                    else None
            except ValueError:
                continue
            paths[line[2:36].strip()] = (p95, limit)
    return found


def search_rows(summary: Summary, output: str, sizes: list[int]) -> list[str]:
    """The search paths at 100,000 (or the largest size) into ``summary``; the growth
    lines."""
    found = searches(output)
    growth: list[str] = []
    for database, by_size in found.items():
        if not by_size:
            continue
        size = 100_000 if 100_000 in by_size else max(by_size)
        for path, floor in SEARCHES.items():
            if path not in by_size[size]:
                continue
            p95, limit = by_size[size][path]
            summary.add(f"{path}, {size:,}, {database} (p95)", f"{p95:.2f} ms",
                        f"{limit:.2f} ms" if limit else "",
                        f"{p95 / limit:.2f}x" if limit else "",
                        f"<= {floor:g} ms" if size == 100_000 else "(at 100,000)",
                        p95 <= floor if size == 100_000 else None)
        measured = sorted(by_size)
        growth.append(f"  {database}: p95 in ms at " + " -> ".join(f"{s:,}" for s in measured))
        for path in by_size[measured[0]]:
            figures = [by_size[s].get(path, (float("nan"), None))[0] for s in measured]
            steps = "".join(f" ({b / a:4.1f}x)" if a else "" for a, b in
                            itertools.pairwise(figures))
            verdict = ""
            if 100_000 in measured and 1_000_000 in measured:
                worst = by_size[1_000_000][path][0] / by_size[100_000][path][0]
                verdict = f"   100k -> 1M <= {GROWTH:g}x: {'ok' if worst <= GROWTH else 'MISSED'}"
                if worst > GROWTH and path in SEARCHES:
                    summary.missed.append(f"growth of {path}, {database}")
            growth.append(f"    {path:<34}" + " -> ".join(f"{v:8.2f}" for v in figures)
                          + steps + verdict)
    return growth


def ratio_row(summary: Summary, path: str, project: float, limit: float, unit: str,
              floor: float | None, higher: bool) -> None:
    """A row whose floor bounds the ratio (at least ``floor`` if ``higher``, else at
    most)."""
    ratio = project / limit if limit else float("nan")
    ok = None if floor is None else (ratio >= floor if higher else ratio <= floor)
    summary.add(path, f"{project:,.2f} {unit}", f"{limit:,.2f} {unit}", f"{ratio:.2f}",
                "" if floor is None else f"{'>=' if higher else '<='} {floor:g}", ok)


def other_rows(summary: Summary, outputs: dict[str, str]) -> None:
    """The rows of every script but practices.py."""
    for match, lines in sections(outputs.get("pledges.py", ""), r"^(SQLite|PostgreSQL):"):
        rates = {m.group(1).strip(): number(m.group(2)) for m in
                 (re.match(rf"^  (.{{26}}) +({FLOAT})/s", line) for line in lines) if m}
        statuses = {m.group(1).strip(): m.group(2) for m in
                    (re.match(r"^  (.{26}) .*statuses \{(.*)\}", line) for line in lines) if m}
        limit = next((value for name, value in rates.items()
                      if "limit" in name or "insert" in name), None)
        for name in ("signatures accepted", "confirmations"):
            if name in rates:
                if limit and name.startswith("signatures"):
                    ratio_row(summary, f"{name}, {match.group(1)}", rates[name], limit, "/s",
                              0.5, higher=True)
                else:
                    seen = statuses.get(name, "")
                    summary.add(f"{name}, {match.group(1)}", f"{rates[name]:,.1f}/s",
                                floor="" if re.fullmatch(r"(200: \d+)?", seen)
                                else f"(statuses {seen})")
    for line in outputs.get("revalidate.py", "").splitlines():
        m = re.match(rf"^  (.{{28}}) +({FLOAT}) r/s +({FLOAT}) r/s +({FLOAT})(.*)", line)
        if m:
            floor = re.search(r"floor ([\d.]+)", m.group(5))
            ratio_row(summary, f"widget: {m.group(1).strip()}", number(m.group(2)),
                      number(m.group(3)), "r/s", float(floor.group(1)) if floor else None,
                      higher=True)
    for match, lines in sections(outputs.get("hub.py", ""), r"^(SQLite|PostgreSQL):"):
        for line in lines:
            m = re.match(rf"^  (.+?) +project +({FLOAT}) (m?s) +limit +({FLOAT}) m?s", line)
            if not m:
                continue
            name, unit = m.group(1).strip(), m.group(3)
            project, limit = number(m.group(2)), number(m.group(4))
            if name.startswith("no-change"):
                summary.add(f"hub {name}, {match.group(1)}", f"{project:.1f} ms",
                            f"{limit:.1f} ms", f"{project / limit:.2f}", "<= 50 ms",
                            project <= 50)
            elif name.startswith("first pull, 0 records"):
                summary.add(f"hub {name}, {match.group(1)}", f"{project:.2f} s", floor="<= 3",
                            ok=False)  # nothing pulled: a broken run, not a fast one
            else:
                ratio_row(summary, f"hub {name}, {match.group(1)}", project, limit, unit,
                          3.0 if name.startswith("first pull") else None, higher=False)
    imports = dict(re.findall(rf"^  (import \w+) +({FLOAT}) ms", outputs.get("imports.py", ""),
                              re.M))
    if "import livingtogether" in imports and "import flask" in imports:
        ratio_row(summary, "import livingtogether (CPU)", number(imports["import livingtogether"]),
                  number(imports["import flask"]), "ms", 1.5, higher=False)
    embed = dict(re.findall(rf"^  (.{{16}}) +({FLOAT}) req/s", outputs.get("embed.py", ""),
                            re.M))
    embed = {name.strip(): rate for name, rate in embed.items()}
    if "WSGI widget" in embed and "static file" in embed:
        ratio_row(summary, "embed: programme widget, WSGI (cached)", number(embed["WSGI widget"]),
                  number(embed["static file"]), "r/s", 0.5, higher=True)


def start_postgres() -> str | None:
    """The URL of a throwaway server from scripts/postgres.sh, or None (said why)."""
    done = subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh"), "start"],
                          capture_output=True, text=True, timeout=300, check=False)
    url = done.stdout.strip()
    if done.returncode or not url:
        print(f"no PostgreSQL (scripts/postgres.sh start: {done.stderr.strip()[-300:]})")
        return None
    return url


def plan(args: argparse.Namespace, sizes: list[int]) -> list[tuple[str, list[str], float]]:
    """Each script with its arguments and its time bound (seconds)."""
    quick = args.quick
    practices = "10000" if quick else "100000"
    return [
        ("imports.py", ["--runs", "5" if quick else "15"], 600),
        ("embed.py", ["--rounds", "5" if quick else "15"], 900),
        ("revalidate.py", ["--practices", practices, "--rounds", "5" if quick else "9"], 1800),
        ("pledges.py", ["--seconds", "3" if quick else "10"], 900),
        ("hub.py", ["--rounds", "10" if quick else "30", "--seconds", "2" if quick else "5"],
         1800),
        ("practices.py", ["--sizes", ",".join(map(str, sizes)), "--rounds",
                          "50" if quick else "200", "--seconds", "1.5" if quick else "5"],
         5400),
    ]


def main() -> int:
    """Run every script, then print the summary; 1 if a floor was missed or a script failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer rounds, 10,000 practices where 100,000 were, sizes 10k,100k")
    parser.add_argument("--sizes", help="the search's catalogue sizes (default "
                        "10000,100000,1000000; --quick: 10000,100000)")
    parser.add_argument("--only", help="comma-separated scripts to run (e.g. hub.py,imports.py)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    sizes = sorted({int(s.replace("_", "")) for s in (
        args.sizes or ("10000,100000" if args.quick else "10000,100000,1000000")).split(",")})
    started = time.monotonic()
    env: dict[str, str] = {}
    ours = False
    url = os.environ.get("LIVINGTOGETHER_BENCH_POSTGRES_URL")
    if args.no_postgres:
        env["LIVINGTOGETHER_BENCH_POSTGRES_URL"] = ""
    elif not url:
        url = start_postgres()
        ours = url is not None
    if url and not args.no_postgres:
        env["LIVINGTOGETHER_BENCH_POSTGRES_URL"] = url
    outputs: dict[str, str] = {}
    failed: list[str] = []
    only = set(args.only.split(",")) if args.only else None
    try:
        for script, script_args, bound in plan(args, sizes):
            if only and script not in only:
                continue
            if url and not args.no_postgres and script in POSTGRES:
                # Each finds the scratch database empty: pledges.py installs the demo data
                # in it, and hub.py's fresh schemas see its public schema too.
                from practices import drop_postgres

                drop_postgres(url)
            began = time.monotonic()
            status, outputs[script] = run_script(script, script_args, timeout=bound, env=env)
            print(f"  ({script}: {time.monotonic() - began:.0f} s, exit status {status})\n")
            if status not in (0, 1):  # 1: a floor the script judges itself was missed
                failed.append(script)
    finally:
        if ours:
            subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh"), "stop"],
                           capture_output=True, timeout=120, check=False)
    summary = Summary()
    growth = search_rows(summary, outputs.get("practices.py", ""), sizes)
    other_rows(summary, outputs)
    lines = [f"make bench: {time.monotonic() - started:.0f} s, {os.cpu_count()} cores; "
             f"{'PostgreSQL too' if url and not args.no_postgres else 'SQLite only'}",
             "(ratios: project / limit, measured in the same run; absolute figures vary "
             "with the machine's load)"]
    lines += summary.lines()
    lines.append("growth of each search path's p95 with the catalogue:")
    lines += growth or ["  (no search figures)"]
    verdict = (f"failed: {', '.join(failed)}" if failed else "") + (
        f"  missed: {', '.join(summary.missed)}" if summary.missed else "")
    lines.append(verdict.strip() or "every floor met")
    print("\n".join(lines))
    log = ROOT / ".cache" / "bench" / "last.txt"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("".join(f"$ python bench/{name}\n{text}\n" for name, text in outputs.items())
                   + "\n".join(lines) + "\n", encoding="utf-8")
    return 1 if failed or summary.missed else 0


if __name__ == "__main__":
    sys.exit(main())
