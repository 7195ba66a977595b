"""The signing form's token is good for one post (issue 14, item 4).

One token posted with five addresses signed five times; now the first post
counts and every other is refused with the form shown again, across processes
sharing the database (two apps with their own Observatory here), while a
resident who made a typo corrects it and sends again at once.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import sqlalchemy as sa

from livingtogether.store import now, schema
from livingtogether.wsgi import make_app
from pledge_support import in_parallel
from test_pledges_http import FORM, SIGN, form_token, open_site, snapshot
from test_web_support import Client, Tree, serving

REFUSED = "This form has expired or was not sent from this site"


def shown_token(html: str) -> str:
    """The token of the form in a page."""
    return Tree(html).find("input", name="form_token")[0]["value"]


def test_one_token_posted_with_five_addresses_signs_once(database_url: str) -> None:
    obs = open_site(database_url, pledge_min_fill_seconds=0)
    try:
        with serving(make_app(obs), threaded=True) as base:
            client = Client(base)
            token = form_token(client)
            answers = [client.post(SIGN, data={**FORM, "email": f"person{i}@example.org",
                                               "form_token": token}) for i in range(5)]
            assert [a.status_code for a in answers] == [200, 422, 422, 422, 422]
            for answer in answers[1:]:
                assert REFUSED in answer.text
                # shown again with what was typed and a fresh token
                assert Tree(answer.text).find("input", name="email")[0]["value"].startswith(
                    "person")
                assert shown_token(answer.text) != token
            assert obs.signatures.list("universal-declaration").total == 1
            assert obs.signatures.list("universal-declaration").items[0].email == \
                "person0@example.org"
    finally:
        obs.close()


def test_a_token_replayed_on_another_process_is_refused(database_url: str) -> None:
    first = open_site(database_url, pledge_min_fill_seconds=0)
    second = open_site(database_url, pledge_min_fill_seconds=0)  # its own engine and caches
    try:
        with serving(make_app(first), threaded=True) as one, \
                serving(make_app(second), threaded=True) as two:
            token = form_token(Client(one))
            assert Client(one).post(SIGN, data={**FORM, "form_token": token}).status_code == 200
            before = snapshot(second)
            again = Client(two).post(SIGN, data={**FORM, "email": "other@example.org",
                                                 "form_token": token})
            assert again.status_code == 422
            assert REFUSED in again.text
            assert snapshot(second) == before
    finally:
        second.close()
        first.close()


def test_one_token_posted_at_once_by_twenty_clients_signs_once(database_url: str) -> None:
    obs = open_site(database_url, pledge_min_fill_seconds=0)
    try:
        with serving(make_app(obs), threaded=True) as base:
            token = form_token(Client(base))
            statuses: list[int] = []
            lock = threading.Lock()
            barrier = threading.Barrier(20, timeout=30)

            def post(i: int) -> None:
                own = Client(base)
                barrier.wait()
                answer = own.post(SIGN, data={**FORM, "email": f"p{i}@example.org",
                                              "form_token": token}, timeout=60)
                with lock:
                    statuses.append(answer.status_code)

            in_parallel(post, range(20))
            assert Counter(statuses) == Counter({200: 1, 422: 19})
            assert obs.signatures.list("universal-declaration").total == 1
    finally:
        obs.close()


def test_a_typo_is_corrected_and_sent_again_at_once(database_url: str) -> None:
    obs = open_site(database_url, pledge_min_fill_seconds=5)
    try:
        with serving(make_app(obs), threaded=True) as base:
            client = Client(base)
            token = obs.keys.form_token(issued=time.time() - 6)  # filled in 6 s
            typo = client.post(SIGN, data={**FORM, "email": "jean@example", "form_token": token})
            assert typo.status_code == 422
            assert REFUSED not in typo.text
            fresh = shown_token(typo.text)
            assert fresh != token
            # at once: the fresh token keeps the time the form was first shown
            fixed = client.post(SIGN, data={**FORM, "form_token": fresh})
            assert fixed.status_code == 200, fixed.text[:500]
            assert "Thank you for signing" in fixed.text
            assert obs.signatures.list("universal-declaration").total == 1
            # each token once: neither the first nor the fresh one signs again
            for used in (token, fresh):
                again = client.post(SIGN, data={**FORM, "email": "x@example.org",
                                                "form_token": used})
                assert again.status_code == 422
                assert REFUSED in again.text
            assert obs.signatures.list("universal-declaration").total == 1
            # a form sent too fast is shown again with a token that waits out the rest
            quick = client.post(SIGN, data={**FORM, "email": "q@example.org",
                                            "form_token": form_token(client)})
            assert quick.status_code == 422
            assert "sent very quickly" in quick.text
            assert obs.keys.form_age(shown_token(quick.text)) < 5
    finally:
        obs.close()


def test_used_tokens_are_stored_hashed_and_purged_by_retention(database_url: str) -> None:
    obs = open_site(database_url, pledge_min_fill_seconds=0)
    try:
        with serving(make_app(obs), threaded=True) as base:
            client = Client(base)
            tokens = [form_token(client) for _ in range(3)]
            for i, token in enumerate(tokens):
                client.post(SIGN, data={**FORM, "email": f"u{i}@example.org",
                                        "form_token": token})
        table = schema.form_tokens
        with obs.store.read() as connection:
            rows = connection.execute(sa.select(table)).all()
        assert len(rows) == 3
        assert not {row.token_hash for row in rows} & set(tokens)
        assert all(len(row.token_hash) == 64 for row in rows)
        obs.retention.run()
        with obs.store.read() as connection:
            assert connection.scalar(sa.select(sa.func.count()).select_from(table)) == 3
        with obs.store.write() as connection:  # two of them past their lifetime
            connection.execute(table.update().where(table.c.token_hash.in_(
                [rows[0].token_hash, rows[1].token_hash])).values(
                expires_at=now() - timedelta(hours=1)))
        obs.retention.run()
        with obs.store.read() as connection:
            assert connection.scalars(sa.select(table.c.token_hash)).all() == [
                rows[2].token_hash]
    finally:
        obs.close()


def test_an_old_or_altered_token_is_refused() -> None:
    from livingtogether import Observatory

    obs = Observatory.open("sqlite://", secret_key="k" * 32)
    try:
        keys = obs.keys
        token = keys.form_token()
        stamp, nonce, signature = token.split(".")
        assert keys.form_age(token) is not None
        assert keys.form_age(f"{int(stamp) - 100}.{nonce}.{signature}") is None
        assert keys.form_age(f"{stamp}.{nonce}x.{signature}") is None
        assert keys.form_age(f"{stamp}.{signature}") is None  # the old two-part form
        assert keys.form_token() != keys.form_token()  # a nonce each, even in one second
    finally:
        obs.close()


def test_two_readers_of_the_cached_widgets_get_tokens_of_their_own(database_url: str) -> None:
    obs = open_site(database_url, pledge_min_fill_seconds=0, widget_cache_seconds=60)
    try:
        with serving(make_app(obs), threaded=True) as base:
            client = Client(base)
            first, second = client.get("/widgets/pledge"), client.get("/widgets/pledge")
            assert first.headers["Cache-Control"] == "no-store"
            tokens = [shown_token(first.text), shown_token(second.text)]
            assert tokens[0] != tokens[1]
            for i, token in enumerate(tokens):
                signed = client.post(SIGN, data={**FORM, "email": f"r{i}@example.org",
                                                 "form_token": token})
                assert signed.status_code == 200
            assert obs.signatures.list("universal-declaration").total == 2
    finally:
        obs.close()
