"""The campaign widget over a real HTTP server: the film without tracking, the ways to
take part, the kit, the day's status, its Content-Security-Policy; bad input."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import attrs
import pytest

from livingtogether.errors import NotFound, ValidationError
from livingtogether.media import LocalMediaStore
from livingtogether.models import Caption, KitItem, KitKind, Text, Video
from livingtogether.models.video import player
from livingtogether.services.campaign_kit import add_kit_item, day_status, remove_kit_item
from livingtogether.store import now
from livingtogether.wsgi import make_app
from test_web_support import Client, check_fragment, serving
from xss_vectors import VECTORS, html_problems

SLUG = "idltp-2022"
WIDGET = f"/widgets/campaign/{SLUG}"
YOUTUBE = "https://www.youtube.com/watch?v=AbCdEfGhIjK"


@pytest.fixture
def obs(open_demo: Callable[..., Any]) -> Any:
    """An Observatory on a fresh SQLite file with the demo data (its 2022 campaign)."""
    return open_demo()


@pytest.fixture
def client(obs: Any) -> Iterator[Client]:
    """A server of the widgets."""
    with serving(make_app(obs)) as base:
        yield Client(base)


def _set(obs: Any, **changes: Any) -> None:
    obs.campaigns.update(attrs.evolve(obs.campaigns.get(SLUG), **changes))


def _csp(response: Any) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


#: The elements the widget itself writes beyond the content's allow-list.
OURS = {"element <img>", "element <script>", "element <video>", "element <source>",
        "element <track>"}


def checked(response: Any) -> Any:
    """The widget's fragment, with no script but ours and no handler or script URL."""
    assert response.status_code == 200, response.text[:300]
    tree = check_fragment(response.text, "campaign")
    assert set(html_problems(response.text)) <= OURS, html_problems(response.text)
    assert all(s["src"].startswith("/static/video.js?v=") for s in tree.find("script"))
    assert all(i["src"].startswith("/media/") for i in tree.find("img"))
    return tree


# -- the players


@pytest.mark.parametrize(("url", "kind", "src"), [
    (YOUTUBE, "youtube", "https://www.youtube-nocookie.com/embed/AbCdEfGhIjK?autoplay=1"),
    ("https://youtu.be/AbCdEfGhIjK", "youtube",
     "https://www.youtube-nocookie.com/embed/AbCdEfGhIjK?autoplay=1"),
    ("https://vimeo.com/76979871", "vimeo",
     "https://player.vimeo.com/video/76979871?dnt=1&autoplay=1"),
    ("https://tube.example.org/w/9c9de5e8-0a1e-484a-b099-e80766180a6d", "peertube",
     "https://tube.example.org/videos/embed/9c9de5e8-0a1e-484a-b099-e80766180a6d?autoplay=1"),
    ("https://films.example.org/all-of-us.webm", "file",
     "https://films.example.org/all-of-us.webm"),
    ("/media/all-of-us.mp4", "file", "/media/all-of-us.mp4"),
])
def test_each_form_of_address_gets_its_player(url: str, kind: str, src: str) -> None:
    found = player(url)
    assert found is not None
    assert (found.kind, found.src) == (kind, src)


@pytest.mark.parametrize("url", [
    "https://example.org/a-page", "javascript:alert(1)", "https://www.youtube.com/watch?v=short",
    "https://vimeo.com/channels/staff", "http://tube.example.org/w/abcdefgh",
    "https://youtube.com/watch?v=<script>x", "ftp://films.example.org/film.mp4",
])
def test_an_address_no_player_plays_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="is neither"):
        Video(url=url)


def test_a_poster_from_the_video_host_and_captions_of_an_embed_are_refused() -> None:
    with pytest.raises(ValidationError, match="served by this site"):
        Video(url=YOUTUBE, poster="https://i.ytimg.com.youtube.com/vi/x.jpg")
    with pytest.raises(ValidationError, match="only for a video file"):
        Video(url=YOUTUBE, captions=(Caption(language="fr", url="/media/fr.vtt"),))
    with pytest.raises(ValidationError, match="one caption track per language"):
        Video(url="/media/f.mp4", captions=(Caption(language="fr", url="/media/a.vtt"),
                                            Caption(language="fr", url="/media/b.vtt")))


# -- the widget


def test_an_embedded_teaser_loads_nothing_from_its_host(obs: Any, client: Client) -> None:
    _set(obs, teaser=Video(url=YOUTUBE, poster="/media/poster.jpg"))
    response = client.get(WIDGET, params={"lang": "fr"})
    assert response.status_code == 200
    tree = checked(response)
    assert not tree.find("iframe")
    holder = tree.find("div", data_lt_video="")
    assert [h["data-src"] for h in holder] == [
        "https://www.youtube-nocookie.com/embed/AbCdEfGhIjK?autoplay=1"]
    # the only addresses of the host are the frame's, for the script, and the link out
    outside = [value for _, found in tree.elements for name, value in found.items()
               if "youtube" in value and name not in ("data-src", "href", "class")]
    assert not outside
    assert tree.find("img", src="/media/poster.jpg")
    assert "Lire : ceci charge du contenu de youtube.com" in tree.text
    assert [s["src"].split("?")[0] for s in tree.find("script")] == ["/static/video.js"]
    policy = _csp(response)
    assert policy["frame-src"] == "frame-src https://www.youtube-nocookie.com"
    assert policy["script-src"] == "script-src 'self'"
    assert "media-src" not in policy


def test_a_video_file_plays_in_the_page_with_captions_in_the_site_s_languages(
        obs: Any, client: Client) -> None:
    captions = (Caption(language="fr", url="/media/fr.vtt"),
                Caption(language="ja", url="https://films.example.org/ja.vtt"),
                Caption(language="en", url="https://films.example.org/en.vtt"))
    _set(obs, film=Video(url="https://films.example.org/all-of-us.mp4", captions=captions,
                         poster="/media/poster.jpg"))
    response = client.get(WIDGET, params={"lang": "fr"})
    tree = check_fragment(response.text, "campaign")
    [video] = tree.find("video")
    assert video["preload"] == "none"
    assert "controls" in video
    assert video["poster"] == "/media/poster.jpg"
    assert tree.find("source", type="video/mp4")
    tracks = tree.find("track")
    assert [t["srclang"] for t in tracks] == ["fr", "en"]  # ja is not a language of the site
    assert [t["srclang"] for t in tracks if "default" in t] == ["fr"]
    english = check_fragment(client.get(WIDGET, params={"lang": "en"}).text, "campaign")
    # a default track loads with the page: never one of another host
    assert not [t for t in english.find("track") if "default" in t]
    assert not tree.find("script")  # a file needs no script
    policy = _csp(response)
    assert "frame-src" not in policy
    assert policy["media-src"] == "media-src 'self' https://films.example.org"


def test_without_a_film_the_widget_allows_no_frame(client: Client) -> None:
    response = client.get(WIDGET)
    tree = check_fragment(response.text, "campaign")
    assert not tree.find("video")
    assert not tree.find("div", data_lt_video="")
    assert "frame-src" not in _csp(response)
    assert "media-src" not in _csp(response)


def test_three_ways_to_take_part_link_to_the_pledge_widget(client: Client) -> None:
    tree = check_fragment(client.get(WIDGET).text, "campaign")
    links = [a["href"] for a in tree.find("a")]
    assert "/widgets/pledge?declaration=universal-declaration" in links
    assert "#lt-campaign-screenings" in links
    assert tree.find("h3", id="lt-campaign-screenings")
    for word in ("Disseminate", "Screen", "Sign"):
        assert word in tree.text


def test_the_kit_shows_title_type_and_size(obs: Any, client: Client, tmp_path: Any) -> None:
    media = LocalMediaStore(tmp_path / "media")
    pdf = b"%PDF-1.4\n" + b"x" * 2_400_000
    item = add_kit_item(obs.campaigns, media, SLUG, title=Text({"en": "Partners' folder",
                                                                "fr": "Dossier partenaires"}),
                        kind=KitKind.TERMS, name="folder.pdf", data=pdf,
                        content_type="application/pdf")
    assert item.size == len(pdf)
    assert item.url.startswith("/media/")
    assert media.open(item.key or "").read() == pdf
    assert obs.campaigns.get(SLUG).kit == (item,)
    tree = check_fragment(client.get(WIDGET, params={"lang": "fr"}).text, "campaign")
    [link] = tree.find("a", href=item.url)
    assert "download" in link
    assert "Dossier partenaires (conditions de participation, application/pdf, 2,4 Mo)" \
        in tree.text
    api = client.get(f"/api/v1/campaigns/{SLUG}").json()
    assert api["kit"][0]["size"] == len(pdf)
    assert api["kit"][0]["kind"] == "terms"
    remove_kit_item(obs.campaigns, media, SLUG, item.url)
    assert obs.campaigns.get(SLUG).kit == ()
    with pytest.raises(NotFound):
        media.open(item.key or "")
    with pytest.raises(NotFound, match="no kit item"):
        remove_kit_item(obs.campaigns, media, SLUG, item.url)


def test_a_kit_file_of_a_type_not_stored_changes_nothing(obs: Any, tmp_path: Any) -> None:
    media = LocalMediaStore(tmp_path / "media")
    with pytest.raises(ValidationError, match="not stored"):
        add_kit_item(obs.campaigns, media, SLUG, title=Text.of("x"), kind=KitKind.OTHER,
                     name="x.exe", data=b"MZ", content_type="application/x-msdownload")
    with pytest.raises(ValidationError, match="empty"):
        add_kit_item(obs.campaigns, media, SLUG, title=Text.of("x"), kind=KitKind.OTHER,
                     name="x.pdf", data=b"", content_type="application/pdf")
    assert obs.campaigns.get(SLUG).kit == ()


@pytest.mark.parametrize(("offset", "lang", "text"), [
    (12, "en", "in 12 days"), (1, "fr", "dans 1 jour"), (0, "en", "today"),
    (-3, "de", "fand am"),
])
def test_the_day_s_status_in_the_reader_s_language(obs: Any, client: Client, offset: int,
                                                   lang: str, text: str) -> None:
    day = now().date() + timedelta(days=offset)
    _set(obs, day=day)
    tree = check_fragment(client.get(WIDGET, params={"lang": lang, "zone": "UTC"}).text,
                          "campaign")
    assert text in tree.text


def test_the_day_s_status_follows_the_zone() -> None:
    at = now().replace(hour=23, minute=30)  # 23:30 UTC: already tomorrow in Istanbul
    tomorrow = at.date() + timedelta(days=1)
    assert day_status(tomorrow, "UTC", at=at).state == "coming"
    assert day_status(tomorrow, "Europe/Istanbul", at=at).state == "today"
    assert day_status(date(2022, 5, 16), "UTC", at=at).state == "past"


def test_a_bad_zone_is_a_clear_400(client: Client) -> None:
    response = client.get(WIDGET, params={"zone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "IANA time zone" in response.text


@pytest.mark.parametrize("vector", VECTORS[:12])
def test_markup_in_every_new_field_is_escaped(obs: Any, client: Client, vector: str) -> None:
    item = KitItem(title=Text.of(vector), kind=KitKind.PRESS, url="/media/kit.zip",
                   media_type="application/zip", size=1234)
    _set(obs, title=Text.of(vector), kit=(item,),
         teaser=Video(url=YOUTUBE), film=Video(url="/media/film.webm"))
    tree = checked(client.get(WIDGET))
    assert vector in tree.text


@pytest.mark.parametrize("body", [
    {"url": "javascript:alert(1)"}, {"url": YOUTUBE, "poster": "javascript:alert(1)"},
    {"url": 5}, {"url": "https://example.org/page"},
])
def test_a_bad_video_in_the_api_body_is_refused(obs: Any, body: Any) -> None:
    from livingtogether import convert

    data = convert.unstructure(obs.campaigns.get(SLUG))
    data["teaser"] = body
    with pytest.raises(ValidationError):
        convert.structure(data, type(obs.campaigns.get(SLUG)))


# -- a screening's page


def _screening(obs: Any, **changes: Any) -> Any:
    from livingtogether.models import CampaignParticipation, Screening

    city = obs.cities.list(limit=1).items[0].slug
    fields: dict[str, Any] = {
        "key": "cinema", "venue": "Ciné Lumière", "address": "1 rue du Film",
        "starts_at": now() + timedelta(days=5), "zone": "Europe/Istanbul", "capacity": 2,
        "accessibility": "Step-free access, induction loop", "language": "tr",
        "subtitles": ("en", "fr"), **changes}
    obs.participations.save(CampaignParticipation(campaign=SLUG, city=city,
                                                  screenings=(Screening(**fields),)))
    return city


def test_a_screening_page_shows_times_access_languages_and_seats_left(
        obs: Any, client: Client) -> None:
    city = _screening(obs)
    path = f"{WIDGET}/screenings/{city}/cinema"
    listing = check_fragment(client.get(WIDGET).text, "campaign")
    assert [a for a in listing.find("a") if a["href"] == path]
    tree = check_fragment(client.get(path, params={"lang": "en",
                                                   "zone": "America/Montreal"}).text,
                          "screening")
    assert "Ciné Lumière" in tree.text
    assert "1 rue du Film" in tree.text
    assert "Step-free access, induction loop" in tree.text
    assert "Turkish" in tree.text
    assert "English and French" in tree.text
    assert "GMT+3" in tree.text or "UTC+3" in tree.text  # its own zone
    assert "Your time:" in tree.text
    assert ("EST" in tree.text or "UTC-5" in tree.text)
    assert "2 seats in all · 2 left" in tree.text
    token = obs.screenings.register(SLUG, city, "cinema", name="Ada", email="ada@example.org",
                                    seats=2, language="en")[1]
    obs.screenings.confirm(token)
    tree = check_fragment(client.get(path, params={"lang": "fr"}).text, "screening")
    assert "complet : les inscriptions rejoignent la liste d’attente" in tree.text
    assert "Your time" not in tree.text
    assert "Votre heure" not in tree.text


def test_an_unknown_or_private_screening_is_a_404(obs: Any, client: Client) -> None:
    city = _screening(obs, public=False)
    for path in (f"{WIDGET}/screenings/{city}/cinema", f"{WIDGET}/screenings/{city}/nope",
                 f"{WIDGET}/screenings/nowhere/cinema"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "there is no screening" in response.text


@pytest.mark.parametrize("vector", VECTORS[:8])
def test_markup_in_a_screening_is_escaped(obs: Any, client: Client, vector: str) -> None:
    city = _screening(obs, venue=vector[:200], address=vector, accessibility=vector)
    tree = checked_screening(client.get(f"{WIDGET}/screenings/{city}/cinema"))
    assert " ".join(vector.split()) in tree.text


def checked_screening(response: Any) -> Any:
    """The screening's fragment, with nothing that could run a script."""
    assert response.status_code == 200, response.text[:300]
    assert not html_problems(response.text), html_problems(response.text)
    return check_fragment(response.text, "screening")
