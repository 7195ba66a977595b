"""Which installed releases differ from requirements/lock.txt (``make test-latest``).

    python scripts/lockdiff.py [LOCK]

Prints one line per package whose installed version is not the one the lock pins for
this interpreter (newer, older, or not in the lock at all), so that a failure of the
newest releases names the packages that changed. Always exits 0: it only tells.
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

LOCK = Path(__file__).resolve().parent.parent / "requirements" / "lock.txt"
OURS = {"livingtogether", "livingtogether-flask", "livingtogether-wagtail"}


def pins(lock: Path) -> dict[str, str]:
    """The version the lock pins for each package, on this interpreter (markers applied)."""
    found: dict[str, str] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        (specifier,) = requirement.specifier
        found[canonicalize_name(requirement.name)] = specifier.version
    return found


def differences(lock: Path) -> list[str]:
    """``name installed (lock: pinned)`` for each package that is not as locked."""
    pinned = pins(lock)
    lines = []
    for dist in sorted(metadata.distributions(), key=lambda d: canonicalize_name(d.name)):
        name = canonicalize_name(dist.name)
        if name in OURS:
            continue
        want = pinned.get(name)
        if want is None:
            lines.append(f"{name} {dist.version} (not in the lock)")
        elif Version(dist.version) != Version(want):
            way = "newer" if Version(dist.version) > Version(want) else "older"
            lines.append(f"{name} {dist.version} ({way} than the lock's {want})")
    return lines


if __name__ == "__main__":
    lock = Path(sys.argv[1]) if len(sys.argv) > 1 else LOCK
    changed = differences(lock)
    print("\n".join(changed) if changed else "every installed release is the lock's")
