"""The Wagtail app in the demo project: blocks, endpoints, admin views, commands, mail."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from livingtogether_wagtail.blocks import LIVINGTOGETHER_BLOCKS, CityBlock, ProgrammeBlock
from livingtogether_wagtail.conf import DjangoMailer, get_state, reset
from wagtail.blocks import StructBlockValidationError

from livingtogether import Observatory
from livingtogether.errors import ConfigurationError
from livingtogether.models import PledgeStatus

FORM = {"kind": "citizen", "name": "Ayşe Yılmaz", "email": "ayse@example.org",
        "country": "TR", "consent": "yes"}
SIGN = "/observatory/widgets/pledge/universal-declaration"
URLENCODED = "application/x-www-form-urlencoded"


def form(**extra: str) -> dict[str, str]:
    """The form as a browser sends it back a minute after showing it (with its guard token)."""
    token = get_state().observatory.keys.form_token(issued=time.time() - 60)
    return {**FORM, "form_token": token, **extra}


def sign(client: Client, **extra: str) -> Any:
    return client.post(SIGN, urlencode(form(**extra)), content_type=URLENCODED)


def test_the_page_renders_every_block(observatory: Observatory, client: Client) -> None:
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    text = page.content.decode()
    for name in ("programme", "pledge-counter", "pledge", "cities"):
        assert f'<section class="lt-widget lt-widget--{name}" lang="fr"' in text
    assert "16:00" in text  # the opening session, Izmir time
    assert '<link rel="stylesheet" href="/observatory/static/livingtogether.css?v=' in text
    assert 'action="/observatory/widgets/pledge/universal-declaration?lang=fr"' in text


def test_signing_from_the_page_over_http(observatory: Observatory, live_server: Any) -> None:
    page = requests.get(live_server.url + "/", timeout=10)
    assert 'lt-widget--pledge' in page.text
    signed = requests.post(live_server.url + SIGN, data=form(), timeout=10,
                           headers={"Origin": live_server.url})
    assert signed.status_code == 200, signed.text[:500]
    assert 'class="lt-thanks"' in signed.text
    stored = observatory.signatures.list("universal-declaration").items
    assert [p.status for p in stored if p.email == FORM["email"]] == [PledgeStatus.PENDING]
    refused = requests.post(live_server.url + SIGN, data=form(), timeout=10,
                            headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    member = requests.get(live_server.url + "/observatory/widgets/pledge/counter", timeout=10,
                          headers={"Origin": "https://izmir.example"})
    assert member.headers["Access-Control-Allow-Origin"] == "https://izmir.example"
    assert "X-Frame-Options" not in member.headers
    assert "frame-ancestors 'self' https://izmir.example" in \
        member.headers["Content-Security-Policy"]


def test_django_csrf_stays_on_for_the_site(observatory: Observatory) -> None:
    strict = Client(enforce_csrf_checks=True)
    assert sign(strict).status_code == 200
    admin = User.objects.create_superuser("root", "root@example.org", "pw")
    strict.force_login(admin)
    refused = strict.post("/admin/livingtogether/moderation/x/approve/")
    assert refused.status_code == 403


def test_endpoint_errors_are_4xx(observatory: Observatory, client: Client) -> None:
    assert client.get("/observatory/api/v1/cities/nowhere").status_code == 404
    assert client.get("/observatory/api/v1/cities?limit=lots").status_code == 400
    assert client.get("/observatory/widgets/programme/NOT%20A%20SLUG").status_code == 404
    assert client.put("/observatory/widgets/cities").status_code == 405
    assert client.post(SIGN, "x=1", content_type="text/plain").status_code == 415
    assert sign(client, email="not an address").status_code == 422


def test_blocks_have_templates_icons_and_previews(observatory: Observatory) -> None:
    for name, block in LIVINGTOGETHER_BLOCKS:
        assert block.meta.template == "livingtogether_wagtail/block.html"
        assert block.meta.icon
        assert block.is_previewable
        html = block.render(block.to_python(block.get_preview_value()))
        widget = {"counter": "pledge-counter"}.get(name, name)
        assert f'class="lt-widget lt-widget--{widget}"' in html
    admin = User.objects.create_superuser("root", "root@example.org", "pw")
    client = Client()
    client.force_login(admin)
    preview = client.get("/admin/block-preview/",
                         {"id": LIVINGTOGETHER_BLOCKS[0][1].definition_prefix})
    assert preview.status_code == 200, preview.content[:300]
    assert "lt-widget--programme" in preview.content.decode()
    assert "/observatory/static/livingtogether.css" in preview.content.decode()
    wrong = ProgrammeBlock()
    assert "lt-widget--error" in wrong.render(wrong.to_python({"event": "nowhere"}))
    city = CityBlock()
    assert 'class="lt-widget lt-widget--city"' in city.render(
        city.to_python(city.get_preview_value()))
    assert "lt-widget--error" in city.render(city.to_python({"city": "atlantis"}))
    with pytest.raises(StructBlockValidationError) as raised:
        wrong.clean(wrong.to_python({"event": "Not A Slug"}))
    assert "lowercase" in str(raised.value.block_errors["event"])


# The review screens (signatures, moderation, hub submissions, participations) have
# their own tests: test_wagtail_review.py.


def test_import_export_and_retention_commands(observatory: Observatory, tmp_path: Path,
                                              client: Client) -> None:
    bundle = tmp_path / "bundle.json"
    call_command("livingtogether_export", str(bundle))
    data = json.loads(bundle.read_text(encoding="utf-8"))
    assert {c["slug"] for c in data["cities"]} >= {"izmir"}
    out = io.StringIO()
    call_command("livingtogether_import", str(bundle), stdout=out)
    assert "cities: 0 created" in out.getvalue()
    broken = tmp_path / "broken.json"
    broken.write_text('{"cities": [{"slug": "Bad Slug"}]}', encoding="utf-8")
    with pytest.raises(CommandError, match=r"cities\.0"):
        call_command("livingtogether_import", str(broken))
    with pytest.raises(CommandError, match=r"cannot read .*missing\.json"):
        call_command("livingtogether_import", str(tmp_path / "missing.json"))
    with pytest.raises(CommandError, match=r"cannot write .*bundle\.json"):
        call_command("livingtogether_export", str(tmp_path / "missing" / "bundle.json"))
    out = io.StringIO()
    call_command("livingtogether_export", stdout=out)
    assert out.getvalue().endswith("}\n")
    assert json.loads(out.getvalue()) == data

    sign(client)
    out = io.StringIO()
    call_command("livingtogether_retention", stdout=out)
    assert out.getvalue().startswith("0 unconfirmed deleted")
    time.sleep(0.01)
    call_command("livingtogether_retention", "--pending-days", "0", stdout=out)
    assert "1 unconfirmed deleted" in out.getvalue()
    # a bad age is refused with the range, before anything is deleted
    with pytest.raises(CommandError, match="-5 is not from 0 to 36500"):
        call_command("livingtogether_retention", "--pending-days", "-5")
    with pytest.raises(CommandError, match=r"0\.0 is not from 0\.1 to 86400"):
        call_command("livingtogether_outbox", "--loop", "--every", "0")
    assert observatory.signatures.list("universal-declaration", status=PledgeStatus.PENDING).total \
        == 0


def test_django_mailer_sends_through_the_email_backend(observatory: Observatory) -> None:
    message = EmailMessage()
    message["Subject"] = "Confirm your signature"
    message["From"] = "observatory@izmir.example"
    message["To"] = "ayse@example.org"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("Open this link: https://example.org/confirm?token=abc")
    message.add_alternative("<p><a href='https://example.org'>Confirm</a></p>", subtype="html")
    DjangoMailer().send(message)
    sent = mail.outbox[-1]
    assert sent.subject == "Confirm your signature"
    assert sent.to == ["ayse@example.org"]
    assert "token=abc" in sent.body
    assert sent.alternatives[0][1] == "text/html"
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"


def test_confirmation_email_through_djangos_backend(observatory: Observatory,
                                                     client: Client) -> None:
    counter = "/observatory/widgets/pledge/counter"
    before = int(re.search(r'value="(\d+)"', client.get(counter).content.decode())[1])
    assert sign(client, email="mail@example.org").status_code == 200
    out = io.StringIO()
    call_command("livingtogether_outbox", stdout=out)
    assert out.getvalue().startswith("1 sent")
    sent = mail.outbox[-1]
    assert sent.to == ["Ayşe Yılmaz <mail@example.org>"]
    assert sent.from_email == "observatory@izmir.example"  # DEFAULT_FROM_EMAIL
    link = re.search(r"http://\S+/widgets/pledge/confirm\?token=([\w-]+)", sent.body)
    assert link is not None, sent.body
    path = link[0].split("127.0.0.1:8001", 1)[1]
    page = client.get(path)
    assert page.status_code == 200
    confirmed = client.post(path.split("?")[0], urlencode({"token": link[1]}),
                            content_type=URLENCODED)
    assert confirmed.status_code == 200
    after = int(re.search(r'value="(\d+)"', client.get(counter).content.decode())[1])
    assert after == before + 1


def test_setting_mistakes_are_named(settings: Any, db: Any) -> None:
    reset()
    settings.LIVINGTOGETHER = {"PAGESIZE": 5}
    with pytest.raises(ConfigurationError, match="unknown setting PAGESIZE"):
        get_state()
    settings.LIVINGTOGETHER = {"ALLOWED_ORIGINS": ["izmir.example"]}
    with pytest.raises(ConfigurationError, match="is not an origin"):
        get_state()


def test_with_widgets_answers_before_django(observatory: Observatory) -> None:
    from livingtogether_wagtail.wsgi import with_widgets
    from test_support import serving

    seen: list[str] = []

    def site(environ: dict[str, Any], start_response: Any) -> Any:
        seen.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"the site's own page"]

    with serving(with_widgets(site)) as base:
        widget = requests.get(base + "/observatory/widgets/programme/izmir-2021", timeout=10)
        assert widget.status_code == 200
        assert "lt-widget--programme" in widget.text
        assert requests.get(base + "/observatory/nowhere", timeout=10).status_code == 404
        assert requests.get(base + "/news/", timeout=10).text == "the site's own page"
    assert seen == ["/news/"]


def test_the_demo_login_and_the_admin_views_titles(observatory: Observatory,
                                                   client: Client) -> None:
    """setup_demo (the demo's, not the plugin's) makes the demo login; each view has a title."""
    assert client.login(username="demo", password="demo")
    for path, title in (("signatures/", "Signatures"), ("moderation/", "Moderation queue"),
                        ("submissions/", "Hub submissions"),
                        ("signatures/?declaration=nope", "Signatures")):
        answer = client.get(f"/admin/livingtogether/{path}").content.decode()
        found = re.search(r"<title>(.*?)</title>", answer, re.S)
        assert found is not None
        assert found[1].strip().startswith(title), found[1]
    call_command("setup_demo", verbosity=0)  # again: the same one login
    assert User.objects.filter(username="demo").count() == 1


def test_manage_check_has_no_warning_without_default_auto_field(tmp_path: Path) -> None:
    """A host site that sets no DEFAULT_AUTO_FIELD gets no W042 on the plugin's model."""
    (tmp_path / "bare_settings.py").write_text(
        "from demo.settings import *  # noqa: F403\ndel DEFAULT_AUTO_FIELD\n", encoding="utf-8")
    here = Path(__file__).resolve().parents[1]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bare_settings", "LT_DEMO_DIR": str(tmp_path),
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(here),
                                          os.environ.get("PYTHONPATH", "")])}
    checked = subprocess.run([sys.executable, str(here / "manage.py"), "check"], cwd=tmp_path,
                             env=env, capture_output=True, text=True, timeout=120, check=False)
    assert checked.returncode == 0, checked.stderr
    assert "W042" not in checked.stdout + checked.stderr
    assert "no issues" in checked.stdout
