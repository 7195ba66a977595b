"""For the language tests: a site with every widget in each of its states, and readers
of rendered widgets (which text is in which language, which of our strings were left
in English, which content lost its ``lang``, where a screenshot has ink)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import requests
from babel import Locale
from babel.messages.pofile import read_po

from livingtogether import Observatory, convert, i18n
from livingtogether.demo import PRACTICES, install
from livingtogether.mail import SMTPMailer
from livingtogether.models import Pledge
from livingtogether.wsgi import make_app
from pledge_support import links, smtp_server
from test_web_support import Tree, serving

LOCALE_DIR = i18n.LOCALE_DIR
#: Attributes whose values people read (or hear).
READ_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt", "data-lt-local-label")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
#: Words that are the same in every language: formats, products, our own name.
NEUTRAL = {"iCalendar", "frab", "JSON", "Atom", "OpenAPI", "API", "livingtogether", "UTC",
           "https", "http"}
_ZONE = re.compile(r"\b[A-Z]{2,5} \(UTC[+-]\d{1,2}(?::\d\d)?\)|UTC[+-]\d{1,2}(?::\d\d)?")
_LETTERS = re.compile(r"[^\W\d_]{2,}")
_EDGES = " \t\n·,:;.–-—/|"


def catalog(language: str) -> Any:
    """The catalog (``.po``) of ``language`` as Babel reads it."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po").open("rb") as handle:
        return read_po(handle, locale=language)


def template_catalog() -> Any:
    """The template catalog (``.pot``) that ``make messages`` extracts."""
    with (LOCALE_DIR / f"{i18n.DOMAIN}.pot").open("rb") as handle:
        return read_po(handle)


class Segment:
    """A piece of text as a reader meets it, and the language the HTML says it is in."""

    def __init__(self, text: str, lang: str, where: str) -> None:
        self.text = text
        self.lang = lang
        self.where = where

    def __repr__(self) -> str:
        return f"{self.text!r} (lang={self.lang}, in <{self.where}>)"


class Page(HTMLParser):
    """Every text node and read attribute of an HTML page or fragment, with its language;
    and the elements whose ``lang`` changes the direction without saying ``dir``."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str, str]] = []  # (tag, lang, dir)
        self.segments: list[Segment] = []
        self.root_lang: str | None = None
        self.root_dir: str | None = None
        self.direction_problems: list[str] = []
        self._skip = 0
        self._skipping: list[bool] = []
        self.feed(html)
        self.close()

    def _lang(self) -> tuple[str, str]:
        return (self.stack[-1][1], self.stack[-1][2]) if self.stack else ("", "")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        parent_lang, parent_dir = self._lang()
        lang = values.get("lang", parent_lang)
        direction = values.get("dir", parent_dir)
        if self.root_lang is None and "lang" in values:
            self.root_lang, self.root_dir = values["lang"], values.get("dir")
        if "lang" in values and parent_lang and "dir" not in values and \
                i18n.text_direction(lang) != (parent_dir or "ltr"):
            self.direction_problems.append(f"<{tag} lang={lang}> in {parent_dir} text, no dir")
        for name in READ_ATTRIBUTES:
            if values.get(name, "").strip():
                self.segments.append(Segment(" ".join(values[name].split()), lang, tag))
        if tag in ("script", "style") or values.get("translate") == "no":
            self._skip += 1
        if tag not in VOID:
            self.stack.append((tag, lang, direction or parent_dir))
            self._skipping.append(tag in ("script", "style") or values.get("translate") == "no")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        while self.stack:
            popped, skipped = self.stack.pop()[0], self._skipping.pop()
            if skipped:
                self._skip -= 1
            if popped == tag:
                break

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._skip:
            self.segments.append(Segment(text, self._lang()[0],
                                         self.stack[-1][0] if self.stack else "#root"))


def strings_of(data: Any, *, plain_only: bool = False) -> Iterator[str]:
    """Every string in JSON-ready ``data``, however deep (``plain_only``: not those of
    multilingual texts, i.e. names and other language-neutral values)."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        if plain_only and _is_text(data):
            return
        for value in data.values():
            yield from strings_of(value, plain_only=plain_only)
    elif isinstance(data, list | tuple):
        for value in data:
            yield from strings_of(value, plain_only=plain_only)


def _is_text(data: dict[Any, Any]) -> bool:
    return bool(data) and all(isinstance(k, str) and re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]+)*", k)
                              and isinstance(v, str) for k, v in data.items())


def texts_of(data: Any) -> Iterator[dict[str, str]]:
    """Every multilingual text (``{"en": ..., "fr": ...}``) in JSON-ready ``data``."""
    if isinstance(data, dict):
        if _is_text(data):
            yield data
            return
        for value in data.values():
            yield from texts_of(value)
    elif isinstance(data, list | tuple):
        for value in data:
            yield from texts_of(value)


def _normal(text: str) -> str:
    return " ".join(text.split()).strip(_EDGES)


def ours(segment: str, content: set[str], language: str) -> str:
    """What is left of ``segment`` once zones, country names (Babel's, in ``language``),
    content, numbers and neutral words are taken out: the words our strings put there."""
    rest = _ZONE.sub(" ", segment)
    for name in sorted(_territories(language), key=len, reverse=True):
        rest = rest.replace(name, " ")
    for piece in sorted(content, key=len, reverse=True):
        if piece and piece in rest:
            rest = re.sub(rf"(?<!\w){re.escape(piece)}(?!\w)", " ", rest)
    return " ".join(w for w in _LETTERS.findall(rest) if w not in NEUTRAL)


def _territories(language: str) -> list[str]:
    return [str(name) for name in Locale.parse(language).territories.values()]


def untranslated(english: Page, other: Page, language: str, content: Iterable[str],
                 msgids: Iterable[str]) -> list[str]:
    """Our strings left in English in ``other`` (the same page rendered in ``language``):

    - any text the English page also shows, in ``language`` per the HTML, that is not
      content (``content``: every string of the records shown), a country's name in
      ``language``, a number, a date, a zone or a neutral word;
    - any message of the catalog (``msgids``) shown whole, if its translation differs.
    """
    content_set = {_normal(c) for c in content if _normal(c)} | {
        line.strip() for c in content for line in c.splitlines() if line.strip()}
    english_texts = {_normal(s.text) for s in english.segments}
    translated = i18n.translations(language)
    # a translation may be the English word itself ("Online" in German): the catalog says so
    same_words = {_normal(str(m.string if isinstance(m.string, str) else form))
                  for m in catalog(language) if m.id
                  for form in (m.string if isinstance(m.string, tuple) else (m.string,))}
    problems = []
    patterns = []
    for msgid in msgids:
        if translated.gettext(msgid) != msgid:
            patterns.append(re.compile(
                re.escape(_normal(msgid)).replace(re.escape("%(num)s"), r"[\d,.\s]+")
                .replace(re.escape("%(year)s"), r"\d{4}")))
    for segment in other.segments:
        if segment.lang != language:
            continue  # marked as content in another language
        text = _normal(segment.text)
        if text in content_set or text in same_words:
            continue
        if any(p.fullmatch(text) for p in patterns):
            problems.append(f"catalog message in English: {segment!r}")
        elif text in english_texts and ours(text, content_set | same_words, language):
            problems.append(f"same as in English: {segment!r}")
    return problems


def misplaced_content(page: Page, language: str, texts: Iterable[dict[str, str]],
                      names: Iterable[str] = ()) -> list[str]:
    """Content shown whole whose HTML language is not one it is written in
    (``names``: language-neutral strings that may look like a text, e.g. a panelist
    named after a city)."""
    neutral = {_normal(name) for name in names}
    where: dict[str, set[str]] = {}
    for text in texts:
        for code, value in text.items():
            if _normal(value):
                where.setdefault(_normal(value), set()).add(code)
    problems = []
    for segment in page.segments:
        codes = where.get(_normal(segment.text))
        if codes and _normal(segment.text) not in neutral and segment.lang not in codes:
            problems.append(f"{segment!r} is written in {sorted(codes)}")
    return problems


def read_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """``(width, height, rows)`` of an 8-bit RGB or RGBA PNG (as Chromium writes them)."""
    import struct
    import zlib

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, header = 8, [], b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", header[:10])
    assert depth == 8, depth
    assert color in (2, 6), color
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            corner = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                best = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[x] = (line[x] + best) & 0xFF
        rows.append(bytes(line[i] for i in range(0, stride, channels)))  # the red channel
        previous = line
    return width, height, rows


def ink_columns(png: bytes) -> tuple[int, int, int]:
    """``(width, first, last)``: the image's width and the first and last columns with ink
    (a pixel clearly darker than white) in any row."""
    width, _, rows = read_png(png)
    columns = [x for x in range(width) if any(row[x] < 128 for row in rows)]
    assert columns, "the screenshot is blank"
    return width, columns[0], columns[-1]


ROOT = Path(__file__).resolve().parents[1]

# -- a site with every widget in every state

DECLARATION = "universal-declaration"
SIGN = f"/widgets/pledge/{DECLARATION}"

#: People who sign in the fixture: names, cities and institutions are content.
SIGNERS = (
    {"kind": "citizen", "name": "Amina Benali", "email": "amina@example.org",
     "country": "MA", "city": "Rabat", "public": True},
    {"kind": "citizen", "name": "Jean Tremblay", "email": "jean@example.org",
     "country": "CA", "city": "Montréal", "public": True},
    {"kind": "institution", "name": "Aylin Kaya", "email": "office@example.org",
     "country": "TR", "city": "Izmir", "public": True,
     "institution": {"name": "Komşu Derneği", "kind": "ngo", "representative_role": "Chair",
                     "website": "https://example.org"}},
)


@contextmanager
def language_site(folder: Path) -> Iterator[dict[str, Any]]:
    """The demo data with three confirmed public signatures, one pending and its links,
    served on 127.0.0.1: ``{"base", "obs", "tokens"}``."""
    url = f"sqlite:///{folder / 'site.sqlite3'}"
    obs = Observatory.open(url, base_url="http://city.example", secret_key="k" * 32,
                           pledge_ip_limit=0, pledge_min_fill_seconds=0,
                           pledge_email_limit=100)
    try:
        install(obs)
        for signer in SIGNERS:
            pledge = obs.signing.sign(convert.structure(
                {"declaration": DECLARATION, "consent_version": "2022-1", **signer}, Pledge))
            obs.signing.confirm(pledge.id)  # type: ignore[arg-type]
        pending = obs.signing.sign(convert.structure(
            {"declaration": DECLARATION, "kind": "citizen", "name": "Ana Pérez",
             "email": "ana@example.org", "country": "UY", "consent_version": "2022-1"},
            Pledge), language="es")
        with smtp_server() as server:
            obs.outbox.send(SMTPMailer("127.0.0.1", server.port, security="none",
                                               timeout=5))
            server.inbox.wait(len(SIGNERS) + 1)
            [message] = server.inbox.to("ana@example.org")
        tokens = links(message)
        assert "Hola, Ana Pérez:" in message.get_content()  # in the language she signed in
        assert pending.id is not None
        with serving(make_app(obs, demo_page=True), threaded=True) as base:
            yield {"base": base, "obs": obs, "tokens": tokens}
    finally:
        obs.close()


def cases(site: dict[str, Any]) -> list[tuple[str, str, str, dict[str, str] | None, int]]:
    """``(name, method, path, form, status)`` of every widget state to check."""
    tokens = site["tokens"]
    base = site["base"]
    form_token = _form_token(base)
    person = {"kind": "citizen", "name": "Lea Wagner", "email": "lea@example.org",
              "country": "DE", "consent": "yes", "form_token": form_token}
    return [
        ("cities", "GET", "/widgets/cities", None, 200),
        ("practices", "GET", "/widgets/practices?limit=2", None, 200),
        ("practices-search", "GET", "/widgets/practices?q=dialogue&theme=culture", None, 200),
        ("practices-none", "GET", "/widgets/practices?q=zzzzqqq", None, 200),
        ("practice", "GET", f"/widgets/practices/{PRACTICES[0].slug}", None, 200),
        ("programme", "GET", "/widgets/programme/izmir-2021", None, 200),
        ("pledge", "GET", f"/widgets/pledge?declaration={DECLARATION}", None, 200),
        ("pledge-errors", "POST", SIGN, {"kind": "institution", "email": "lea@",
                                         "form_token": form_token}, 422),
        ("pledge-thanks", "POST", SIGN, person, 200),
        ("counter", "GET", "/widgets/pledge/counter", None, 200),
        ("signatories", "GET", "/widgets/pledge/signatories", None, 200),
        ("institutions", "GET", "/widgets/pledge/signatories?kind=institution", None, 200),
        ("campaign", "GET", "/widgets/campaign/idltp-2022", None, 200),
        ("confirm", "GET", f"/widgets/pledge/confirm?token={tokens['confirm']}", None, 200),
        ("withdraw", "GET", f"/widgets/pledge/withdraw?token={tokens['withdraw']}", None, 200),
        ("link-invalid", "GET", "/widgets/pledge/confirm?token=" + "A" * 43, None, 404),
        ("error", "GET", "/widgets/programme/no-such-event", None, 404),
        ("demo", "GET", "/", None, 200),
    ]


def _form_token(base: str) -> str:
    page = Tree(requests.get(f"{base}/widgets/pledge", timeout=10).text)
    return page.find("input", name="form_token")[0]["value"]


def fetch(base: str, method: str, path: str, form: dict[str, str] | None, lang: str,
          status: int) -> str:
    """The widget as a page (as a browser opening it gets it), in ``lang``."""
    separator = "&" if "?" in path else "?"
    if form is not None and "form_token" in form:  # a form token is good for one post
        form = {**form, "form_token": _form_token(base)}
    response = requests.request(method, f"{base}{path}{separator}lang={lang}", data=form,
                                headers={"Sec-Fetch-Dest": "document"}, timeout=30)
    assert response.status_code == status, (path, lang, response.text[:300])
    return response.text
