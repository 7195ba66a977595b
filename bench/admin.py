"""Benchmark of the staff layer's core, in process (the screens come later).

Prints, each as a p95 over ``--rounds`` rounds unless said otherwise:

- an image upload of about 5 MB (a 4000×3000 JPEG with EXIF) verified, re-encoded and
  rendered at three widths into a local media store (floor: <= 1 s);
- a document upload of about 15 MB (a PDF of 2000 compressed streams) checked for
  active content, streams inflated, and stored (the worst and the median of 10);
- the practice form's render data (``FormSpec.fields``) and parse of a full practice;
- the event form's render data and parse for an event of 500 sessions (every field of
  every session in one form), and one session's form (an editor that opens one session
  at a time);
- a page of the staff practice list at 10,000 practices (SQLite file).

The issue's floors for the screens: <= 50 ms p95 for the practice form, the event
editor at 500 sessions and the practice list at 10k.

    python bench/admin.py [--rounds 30] [--practices 10000]
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from datetime import time as clock
from pathlib import Path

from livingtogether import Observatory
from livingtogether.admin import Principal
from livingtogether.admin.forms import FormSpec
from livingtogether.admin.services import Staff
from livingtogether.documents import process_document
from livingtogether.images import process_image
from livingtogether.media import LocalMediaStore
from livingtogether.models import (
    City,
    Event,
    Link,
    ModerationStatus,
    Person,
    Practice,
    Role,
    Session,
    Text,
)

# The same measuring as the foundation's benchmark (run from bench/).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from foundation import p95


def photo() -> bytes:
    """A 4000×3000 JPEG of about 5 MB (textured, so that it compresses as a photo does)."""
    from PIL import Image

    rng = random.Random(7)
    noise = Image.effect_noise((1000, 750), 64).resize((4000, 3000))
    grain = Image.effect_noise((4000, 3000), 24)
    image = Image.merge("RGB", (noise, grain, Image.linear_gradient("L").resize((4000, 3000))))
    exif = Image.Exif()
    exif[0x010F] = "Bench"
    exif[0x8825] = {1: "N", 2: (38.0, 25.0, rng.random()), 3: "E", 4: (27.0, 8.0, 30.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def document() -> bytes:
    """A PDF of about 15 MB: 2000 Flate-compressed streams of random text (every one
    inflated by the active-content check)."""
    import zlib

    rng = random.Random(11)
    parts = [b"%PDF-1.7\n"]
    for number in range(1, 2001):
        words = b" ".join(rng.choice((b"table", b"street", b"dialogue", b"city"))
                          + str(rng.random()).encode() for _ in range(700))
        packed = zlib.compress(words, 1)
        parts.append(b"%d 0 obj << /Length %d /Filter /FlateDecode >>\nstream\n"
                     % (number, len(packed)) + packed + b"\nendstream endobj\n")
    parts.append(b"trailer << /Size 2001 >>\nstartxref\n0\n%%EOF\n")
    return b"".join(parts)


def event(sessions: int) -> Event:
    items = tuple(Session.at(
        key=f"s{n}", title=Text({"en": f"Session {n}", "fr": f"Séance {n}"}),
        day=date(2022, 5, 1 + n % 5), start=clock(9 + n % 8, 0), end=clock(10 + n % 8, 0),
        zone="Europe/Istanbul", questions=(Text.of("Why?"),),
        people=(Person(role=Role.MODERATOR, name=f"Person {n}", to_be_confirmed=True),))
        for n in range(sessions))
    return Event(slug="summit", title=Text.of("Summit"), host_zone="Europe/Istanbul",
                 host_city="izmir", first_day=date(2022, 5, 1), last_day=date(2022, 5, 5),
                 sessions=items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--practices", type=int, default=10_000)
    args = parser.parse_args()
    rounds = max(2, min(args.rounds, 1000))

    with tempfile.TemporaryDirectory() as folder:
        data = photo()
        store = LocalMediaStore(Path(folder) / "media")
        times = []
        for index in range(min(rounds, 10)):
            start = time.perf_counter()
            process_image(data, store=store, alt={"en": "A photo"}, name=f"photo{index}.jpg",
                          content_type="image/jpeg")
            times.append(time.perf_counter() - start)
        print(f"image upload: {len(data) / 1e6:.1f} MB 4000x3000 JPEG processed in "
              f"{max(times):.3f} s at worst, {statistics.median(times):.3f} s median "
              f"({len(times)} runs; floor 1 s)")
        report = document()
        times = []
        for index in range(min(rounds, 10)):
            start = time.perf_counter()
            process_document(report, store=store, title={"en": "A report"},
                             name=f"report{index}.pdf", content_type="application/pdf",
                             max_bytes=len(report))
            times.append(time.perf_counter() - start)
        print(f"document upload: {len(report) / 1e6:.1f} MB PDF of 2000 compressed streams "
              f"checked and stored in {max(times):.3f} s at worst, "
              f"{statistics.median(times):.3f} s median ({len(times)} runs)")

        languages = ("en", "fr", "es", "ar", "tr", "pt")
        practice_form = FormSpec(Practice, languages=languages,
                                 exclude=("status", "rejection_reason"))
        practice = Practice(
            slug="dialogue", city="izmir", title=Text(dict.fromkeys(languages, "Dialogue")),
            summary=Text({"en": " ".join(["Summary"] * 40)}),
            body=Text({"en": "<p>Body</p>" * 200}),
            themes=("culture", "resilience"), partners=("UCLG", "UNESCO"),
            links=tuple(Link(url=f"https://example.org/{n}", label=Text.of(f"L{n}"))
                        for n in range(10)))
        posted = practice_form.form_data(practice)
        assert practice_form.parse(posted) == practice
        render = p95(lambda: practice_form.fields(practice), rounds)
        parse = p95(lambda: practice_form.parse(posted), rounds)
        print(f"practice form (6 languages): render data {render:.2f} ms p95, parse "
              f"{parse:.2f} ms p95")
        event_form = FormSpec(Event, languages=languages)
        big = event(500)
        posted = event_form.form_data(big)
        assert event_form.parse(posted) == big
        print(f"event form at 500 sessions: render data "
              f"{p95(lambda: event_form.fields(big), rounds):.1f} ms p95, parse "
              f"{p95(lambda: event_form.parse(posted), rounds):.1f} ms p95 "
              f"({len(posted)} form fields)")

        session_form = FormSpec(Session, languages=languages)
        one = big.sessions[7]
        posted_one = session_form.form_data(one)
        assert session_form.parse({**posted_one, "zone": "Europe/Istanbul"}) == one
        print(f"one session's form: render data {p95(lambda: session_form.fields(one), rounds):.2f}"
              f" ms p95, parse {p95(lambda: session_form.parse(posted_one), rounds):.2f} ms p95")

        with Observatory.open(f"sqlite:///{Path(folder) / 'bench.sqlite3'}") as obs:
            obs.cities.create(City(slug="izmir", name=Text.of("Izmir"), country="TR"))
            obs.practices.create_many(
                Practice(slug=f"p{n:05d}", city="izmir", title=Text.of(f"Practice {n}"),
                         status=ModerationStatus.PUBLISHED if n % 2 else ModerationStatus.DRAFT)
                for n in range(args.practices))
            staff = Staff(obs)
            editor = Principal.with_roles(id="b", name="B", roles=["city-editor"],
                                          cities=["izmir"])
            middle = args.practices // 2 // 50 * 50
            print(f"staff practice list at {args.practices:,} practices: first page "
                  f"{p95(lambda: staff.practices.list(editor), rounds):.1f} ms p95, a middle "
                  f"page {p95(lambda: staff.practices.list(editor, offset=middle), rounds):.1f}"
                  " ms p95 (50 a page)")


if __name__ == "__main__":
    main()
