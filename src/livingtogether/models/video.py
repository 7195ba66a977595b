"""A campaign's film and teaser, and its kit (the partners' information folder).

A video is either a file the browser plays itself (``<video>``) or a page of
YouTube, Vimeo or a PeerTube instance, which the widget embeds only after the
resident clicks (:func:`player` says which, and what the frame's address is:
YouTube's privacy-enhanced host, Vimeo with "do not track"). Nothing that
cannot be told apart is accepted: an unknown address is an error that names
the forms that work.
"""

from __future__ import annotations

import enum
import re
from urllib.parse import parse_qs, urlsplit

import attrs

from . import fields as f
from .media import media_address
from .text import Text, text_field

#: File endings the browser plays in ``<video>``, with their media type.
VIDEO_FILES: dict[str, str] = {".mp4": "video/mp4", ".m4v": "video/mp4", ".webm": "video/webm",
                               ".ogv": "video/ogg"}
_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_PEERTUBE = re.compile(r"/(?:w|videos/watch|videos/embed)/([A-Za-z0-9-]{6,64})/?")
_VIMEO = re.compile(r"/(?:video/)?([0-9]{1,12})/?")


@attrs.frozen(kw_only=True)
class Player:
    """How the widget shows a video: ``kind`` (``file``, ``youtube``, ``vimeo``,
    ``peertube``), ``src`` (the file, or the frame's address after the click),
    ``host`` (the third party named on the button) and ``origin`` (what the
    page's ``frame-src`` or ``media-src`` must allow)."""

    kind: str
    src: str
    host: str
    origin: str
    media_type: str | None = None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def player(url: str) -> Player | None:
    """The player of ``url``, or ``None`` if it is none of the forms the widget plays."""
    parts = urlsplit(url)
    if url.startswith("/") and not url.startswith("//"):  # a file on this site ("/media/...")
        ending = parts.path[parts.path.rfind("."):].lower()
        if ending not in VIDEO_FILES:
            return None
        return Player(kind="file", src=url, host="", origin="'self'",
                      media_type=VIDEO_FILES[ending])
    host = (parts.hostname or "").lower()
    bare = host.removeprefix("www.").removeprefix("m.")
    path = parts.path
    if parts.scheme not in ("http", "https") or not host:
        return None
    video_id: str | None = None
    if bare in ("youtube.com", "youtube-nocookie.com"):
        video_id = (parse_qs(parts.query).get("v", [""])[0] if path == "/watch"
                    else path.removeprefix("/embed/").removeprefix("/shorts/").strip("/"))
    elif bare == "youtu.be":
        video_id = path.strip("/")
    if video_id is not None:
        if not _YOUTUBE_ID.fullmatch(video_id):
            return None
        return Player(kind="youtube", host="youtube.com",
                      src=f"https://www.youtube-nocookie.com/embed/{video_id}?autoplay=1",
                      origin="https://www.youtube-nocookie.com")
    if bare in ("vimeo.com", "player.vimeo.com"):
        found = _VIMEO.fullmatch(path)
        if not found:
            return None
        return Player(kind="vimeo", host="vimeo.com", origin="https://player.vimeo.com",
                      src=f"https://player.vimeo.com/video/{found[1]}?dnt=1&autoplay=1")
    ending = path[path.rfind("."):].lower() if "." in path.rsplit("/", 1)[-1] else ""
    if ending in VIDEO_FILES:
        return Player(kind="file", src=url, host=host, origin=_origin(url),
                      media_type=VIDEO_FILES[ending])
    found = _PEERTUBE.fullmatch(path)
    if found and parts.scheme == "https":
        return Player(kind="peertube", host=host, origin=_origin(url),
                      src=f"https://{parts.netloc}/videos/embed/{found[1]}?autoplay=1")
    return None


def _video_url(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    media_address(None, attribute, value)
    assert isinstance(value, str)
    if player(value) is None:
        f.fail(attribute, f"{value[:80]!r} is neither a video file (" + ", ".join(VIDEO_FILES)
               + ") nor a YouTube, Vimeo or PeerTube (https, /w/...) video's address")


def origin_of(url: str) -> str:
    """What a CSP source list names to allow ``url``: ``'self'`` for a path on this site."""
    return "'self'" if url.startswith("/") and not url.startswith("//") else _origin(url)


@attrs.frozen(kw_only=True)
class Caption:
    """A caption track (WebVTT) of a video file, in one language."""

    language: str = attrs.field(validator=f.language)
    url: str = attrs.field(validator=media_address)


@attrs.frozen(kw_only=True)
class Video:
    """The film or the teaser: its address, a poster served by the site (shown before
    anything is loaded) and, for a file, its caption tracks."""

    url: str = attrs.field(validator=_video_url)
    poster: str | None = attrs.field(default=None)
    captions: tuple[Caption, ...] = attrs.field(default=(), validator=f.items(20))

    @poster.validator
    def _poster(self, attribute: attrs.Attribute[str], value: object) -> None:
        if value is None:
            return
        media_address(None, attribute, value)
        found = player(self.url)
        if found is not None and found.kind != "file" and isinstance(value, str) and (
                urlsplit(value).hostname or "").lower().endswith(found.host):
            f.fail(attribute, "the poster must be served by this site (or left out), not by "
                   f"{found.host}: loading it would tell {found.host} who opens the page")

    @captions.validator
    def _captions(self, attribute: attrs.Attribute[tuple[Caption, ...]], value: object) -> None:
        found = player(self.url)
        if value and found is not None and found.kind != "file":
            f.fail(attribute, f"captions of a {found.kind} video are set on {found.host}; "
                   "give caption tracks only for a video file")
        languages = [c.language for c in value] if isinstance(value, tuple) else []
        if len(set(languages)) != len(languages):
            f.fail(attribute, "give one caption track per language")


class KitKind(str, enum.Enum):
    """What an item of the campaign kit is."""

    TERMS = "terms"
    POSTER = "poster"
    PRESS = "press"
    SUBTITLES = "subtitles"
    OTHER = "other"


@attrs.frozen(kw_only=True)
class KitItem:
    """A downloadable attachment of the campaign kit, as the media store keeps it:
    its address, media type and size in bytes (shown before the download)."""

    title: Text = text_field(f.SHORT, required=True)
    kind: KitKind = attrs.field(validator=f.instance_of(KitKind))
    url: str = attrs.field(validator=media_address)
    media_type: str = attrs.field(validator=f.text(100))
    size: int = attrs.field(validator=f.number(1, 2 * 10**9, integer=True))
    key: str | None = attrs.field(default=None, validator=f.optional_text(200))
