"""Lighthouse on the demo page, offline, in headless Debian Chromium: print the scores.

    npm install --prefix .cache/npm lighthouse@12.8.2
    python scripts/lighthouse.py [--lang en] [--keep FOLDER]

It loads the demo data into a throwaway SQLite file, serves the demo site with
``livingtogether serve`` (gunicorn when installed) on a free port of 127.0.0.1,
runs Lighthouse there twice (mobile: its default emulated phone and slow
network; desktop) and prints the four scores of each. It exits 1 when a score
is under its aim: 100 for accessibility, best practices and SEO; 95 for
performance on mobile (90 on desktop, where Lighthouse's reference machine is
faster than a shared CI runner). Nothing leaves the machine: the page has no
external resource. ``LIGHTHOUSE`` names another lighthouse command,
``LIVINGTOGETHER_CHROMIUM`` another Chromium.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = os.environ.get("LIGHTHOUSE", str(ROOT / ".cache/npm/node_modules/.bin/lighthouse"))
CHROMIUM = os.environ.get("LIVINGTOGETHER_CHROMIUM", "/usr/bin/chromium")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
AIMS = {"mobile": {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100},
        "desktop": {"performance": 90, "accessibility": 100, "best-practices": 100, "seo": 100}}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own server
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the demo server did not answer at {url}")


def run_lighthouse(url: str, preset: str, keep: Path) -> dict[str, int]:
    report = keep / f"lighthouse-{preset}.json"
    command = [LIGHTHOUSE, url, "--quiet", "--output=json", f"--output-path={report}",
               f"--chrome-path={CHROMIUM}",
               "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
               f"--only-categories={','.join(CATEGORIES)}"]
    if preset == "desktop":
        command.append("--preset=desktop")
    subprocess.run(command, check=True, timeout=300)  # noqa: S603 - our own command line
    found = json.loads(report.read_text(encoding="utf-8"))
    failed = [f"{a['id']}: {a['title']}" for a in found["audits"].values()
              if a.get("score") is not None and a["score"] < 1
              and a.get("scoreDisplayMode") == "binary"]
    if failed:
        print(f"  {preset}: audits not passed: " + "; ".join(failed[:12]))
    return {name: round(found["categories"][name]["score"] * 100) for name in CATEGORIES}


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--lang", default="en", help="the demo page's language (en)")
    options.add_argument("--keep", type=Path, help="keep the JSON reports in this folder")
    args = options.parse_args()
    if not Path(LIGHTHOUSE).exists():
        print(f"no lighthouse at {LIGHTHOUSE}: npm install --prefix .cache/npm "
              "lighthouse@12.8.2", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        keep = args.keep or Path(folder)
        keep.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"),
               "LIVINGTOGETHER_DATABASE_URL": f"sqlite:///{Path(folder) / 'demo.sqlite3'}"}
        command = [sys.executable, "-m", "livingtogether.cli"]
        subprocess.run([*command, "-q", "demo"], env=env, check=True, timeout=120,  # noqa: S603
                       stdout=subprocess.DEVNULL)
        port = free_port()
        server = subprocess.Popen([*command, "-q", "serve", "--host", "127.0.0.1", "--port",  # noqa: S603
                                   str(port)], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}/?lang={args.lang}"
            wait_for(url)
            below = []
            for preset in ("mobile", "desktop"):
                scores = run_lighthouse(url, preset, keep)
                print(f"lighthouse {preset:<8}" + "  ".join(
                    f"{name} {scores[name]}" for name in CATEGORIES))
                below += [f"{preset} {name} {scores[name]} < {aim}"
                          for name, aim in AIMS[preset].items() if scores[name] < aim]
        finally:
            server.terminate()
            server.wait(timeout=20)
    if below:
        print("under the aims: " + "; ".join(below))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
