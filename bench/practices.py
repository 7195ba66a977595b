"""Benchmark of the catalogue's search on large synthetic multilingual catalogues.

Generates practices in one to three of six languages, with words drawn from a
Zipf-like vocabulary per language (real words first, then synthetic ones: see
``vocabulary``), in 60 cities of 30 countries, and grows the catalogue through
each size asked (default 100,000 then 1,000,000): the first practices through
the library's own bulk path (``create_many``, timed), the rest written as rows
by a bulk loader of this script (``load``: the same rows, in a fraction of the
time, so that a million practices are built in minutes). At each size it times
every search path twice, in process: as the project runs it (``search``: page,
total, facets, snippets, models) and as the simplest SQL doing the same work on
the same database (the *limit*: the page by rank or newest, the count, the
facets grouped, the page's stored data and snippets), and prints both p95s, their
ratio, and each path's growth from one size to the next. SQLite on a fresh file,
and PostgreSQL too when ``LIVINGTOGETHER_BENCH_POSTGRES_URL`` is set (its tables
are dropped first: use a scratch database).

    python bench/practices.py [--sizes 100000,1000000] [--rounds 200] [--seconds 5]
    python bench/practices.py --sizes 10000,50000 --rounds 50 --seconds 2   # quick

Over 450 lines: the generator, its bulk loader and the limits make one
catalogue and its figures, and read each other's rows.

Floors at 100,000 practices (p95): browse <= 5 ms, one common word <= 20 ms, two
words with facets <= 10 ms, page 100 <= 20 ms; at a million, none more than 3
times its figure at 100,000.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from livingtogether import (
    City,
    ModerationStatus,
    Observatory,
    Practice,
    PracticeKind,
    Text,
    convert,
)
from livingtogether.models import THEMES
from livingtogether.services.search_index import add_counts, counts_of, deferred_index
from livingtogether.services.search_sql import _SQLITE_SCORE
from livingtogether.services.search_terms import postgres_match, sqlite_match, terms
from livingtogether.store import schema

# The same measuring and printing as the foundation's benchmark (run from bench/).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from foundation import measure, percentile

SEED = 2015
LANGUAGES = ("en", "fr", "es", "de", "tr", "ar")
#: Real words of each language, the most frequent first; synthetic words follow.
WORDS = {
    "en": "city neighbourhood residents dialogue community living together inclusion newcomers "
          "youth culture safety library festival school mediation housing welcome volunteers "
          "council participation rights democracy solidarity diversity integration migrants "
          "families women elders sport music garden market network training workshop",
    "fr": "ville quartier résidents dialogue communauté vivre ensemble inclusion nouveaux "
          "arrivants jeunesse culture sécurité bibliothèque fête école médiation logement "
          "accueil bénévoles conseil participation droits démocratie solidarité diversité "
          "intégration familles femmes aînés sport musique jardin marché réseau atelier",
    "es": "ciudad barrio vecinos diálogo comunidad convivencia inclusión recién llegados "
          "juventud cultura seguridad biblioteca fiesta escuela mediación vivienda acogida "
          "voluntarios consejo participación derechos democracia solidaridad diversidad "
          "integración familias mujeres mayores deporte música huerto mercado red taller",
    "de": "Stadt Viertel Bewohner Dialog Gemeinschaft Zusammenleben Inklusion Neuankömmlinge "
          "Jugend Kultur Sicherheit Bibliothek Fest Schule Mediation Wohnen Willkommen "
          "Ehrenamtliche Rat Beteiligung Rechte Demokratie Solidarität Vielfalt Integration "
          "Familien Frauen Senioren Sport Musik Garten Markt Netzwerk Werkstatt",
    "tr": "şehir mahalle sakinler diyalog topluluk birlikte yaşam kapsayıcılık yeni gelenler "
          "gençlik kültür güvenlik kütüphane şenlik okul arabuluculuk konut karşılama "
          "gönüllüler meclis katılım haklar demokrasi dayanışma çeşitlilik uyum aileler "
          "kadınlar yaşlılar spor müzik bahçe pazar ağ atölye İstanbul İzmir",
    "ar": "مدينة حي سكان حوار مجتمع العيش معا إدماج وافدون شباب ثقافة أمن مكتبة مهرجان "
          "مدرسة وساطة سكن استقبال متطوعون مجلس مشاركة حقوق ديمقراطية تضامن تنوع اندماج "
          "عائلات نساء مسنون رياضة موسيقى حديقة سوق شبكة ورشة",
}
SYLLABLES = {
    "en": "ba be bi bo ter men ing lan dor wic ton ley ham ford",
    "fr": "la le mé ré tion ville ais eau ière ment cœur été çon",
    "es": "ca ción da ño ra mi sa lla que pe dro ría",
    "de": "ber ung keit heit stadt dorf schaft lich ern über grü",
    "tr": "lar ler ık ük şe çi ğı yor mak ist anb kö",
    "ar": "ال بر سل مد كت حم نو رق فت",
}
VOCABULARY = 3_000
#: How many words each language's pool holds (:meth:`Generator.drawn`).
POOL = 200_000


def vocabulary(language: str, rng: random.Random) -> list[str]:
    """VOCABULARY words by rank: synthetic ones (the most frequent play the part of
    function words), with the language's real, topical words spread over ranks 40 to
    about 600, where such words sit in real text."""
    real = list(dict.fromkeys(WORDS[language].split()))
    syllables = SYLLABLES[language].split()
    seen = set(real)
    synthetic: list[str] = []
    while len(synthetic) < VOCABULARY - len(real):
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            synthetic.append(word)
    words = synthetic
    for index, word in enumerate(real):
        words.insert(40 + 16 * index, word)
    return words


class Generator:
    """Synthetic practices, the same ones for the same seed."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.words = {language: vocabulary(language, self.rng) for language in LANGUAGES}
        # Zipf-like: the word of rank r is drawn with weight 1 / (r + 1).
        weights = [1.0 / (rank + 1) for rank in range(VOCABULARY)]
        self.cumulative = list(itertools.accumulate(weights))
        countries = ("TR", "CA", "FR", "DE", "BE", "GB", "UY", "MA", "BF", "CM", "ES", "MX", "CO",
                     "AR", "BR", "IT", "PT", "NL", "SE", "NO", "TN", "SN", "CI", "LB", "JO", "EG",
                     "US", "CL", "PE", "GR")
        self.cities = [City(slug=f"city-{i}", name=Text({"en": f"City {i}"}),
                            country=countries[i % len(countries)],
                            latitude=self.rng.uniform(-50, 70),
                            longitude=self.rng.uniform(-170, 170))
                       for i in range(60)]
        self.pools: dict[str, list[str]] = {}

    def text(self, language: str, count: int) -> str:
        """``count`` words of ``language``."""
        words = self.words[language]
        picks = self.rng.choices(words, cum_weights=self.cumulative, k=count)
        return " ".join(picks)

    def drawn(self, language: str, count: int) -> str:
        """``count`` words of ``language`` cut from a pool drawn once (the same Zipf-like
        frequencies as :meth:`text`, at a fraction of its cost: a million practices
        draw 120 million words, two minutes one by one)."""
        pool = self.pools.get(language)
        if pool is None:
            pool = self.pools[language] = self.rng.choices(
                self.words[language], cum_weights=self.cumulative, k=POOL)
        start = self.rng.randrange(POOL - count)
        return " ".join(pool[start:start + count])

    def practices(self, count: int, start: int = 0) -> Iterator[Practice]:
        """``count`` published practices, numbered from ``start``."""
        rng = self.rng
        kinds = list(PracticeKind)
        for index in range(start, start + count):
            languages = rng.sample(LANGUAGES, rng.choice((1, 1, 2, 2, 3)))
            yield Practice(
                slug=f"practice-{index}", city=rng.choice(self.cities).slug,
                kind=rng.choice(kinds), status=ModerationStatus.PUBLISHED,
                title=Text({lang: self.text(lang, 6).capitalize() for lang in languages}),
                summary=Text({lang: self.text(lang, 20) for lang in languages}),
                body=Text({lang: f"<p>{self.text(lang, 40)}</p>" for lang in languages}),
                themes=tuple(rng.sample(THEMES, rng.randint(1, 3))),
                year_started=rng.randint(1995, 2024))


#: Two-word queries of real words (frequent enough to match thousands of rows).
QUERIES = ("dialogue quartier", "community garden", "kültür mahalle", "ville culture",
           "barrio convivencia", "Jugend Kultur", "حوار مدينة", "city dialogue",
           "ecole mediation", "Sicherheit Stadt")


def walk(search: Callable[..., Any], q: str, pages: int) -> str | None:
    """The cursor of page ``pages + 1`` of ``q``, reached by the "next" of each page."""
    cursor = None
    for _ in range(pages):
        cursor = (search(q, after=cursor) if cursor else search(q)).next
        if cursor is None:
            return None
    return cursor


def rotating(action: Callable[[str], object], values: Sequence[str]) -> Callable[[], object]:
    """``action`` called with each of ``values`` in turn, one per call."""
    turn = itertools.cycle(values)
    return lambda: action(next(turn))


#: One common word per language: its most frequent real word (thousands of matches).
COMMON = ("city", "ville", "ciudad", "Stadt", "şehir", "مدينة")
#: Page 100 of 20 results.
DEEP = 99 * 20
#: The floors at 100,000 practices (p95, ms), by path.
FLOORS = {"browse": 5.0, "one common word": 20.0, "two words + facets": 10.0,
          "page 100 (one common word)": 20.0}
#: At 1,000,000 practices, at most this many times the 100,000 figure.
GROWTH = 3.0


def rows_of(generator: Generator, start: int, count: int, stamp: datetime,
            ) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Practices ``start`` to ``start + count`` as stored: each one's column values and
    data, and its search rows with their text (what ``create_many`` writes, built
    without the models: their checks are what the library's bulk path times)."""
    rng = generator.rng
    kinds = [kind.value for kind in PracticeKind]
    slugs = [city.slug for city in generator.cities]
    template = convert.unstructure(next(Generator().practices(1)))
    for index in range(start, start + count):
        languages = rng.sample(LANGUAGES, rng.choice((1, 1, 2, 2, 3)))
        # Of varied lengths, as real ones are (and so with few ties of rank).
        titles = {lang: generator.drawn(lang, rng.randint(3, 9)).capitalize()
                  for lang in languages}
        summaries = {lang: generator.drawn(lang, rng.randint(10, 30)) for lang in languages}
        bodies = {lang: generator.drawn(lang, rng.randint(20, 80)) for lang in languages}
        themes = rng.sample(THEMES, rng.randint(1, 3))
        city, kind = rng.choice(slugs), rng.choice(kinds)
        data = {**template, "slug": f"practice-{index}", "city": city, "kind": kind,
                "title": titles, "summary": summaries,
                "body": {lang: f"<p>{text}</p>" for lang, text in bodies.items()},
                "themes": themes, "year_started": rng.randint(1995, 2024)}
        at = stamp + timedelta(microseconds=index)
        practice = {"id": index + 1, "slug": data["slug"], "city_slug": city, "kind": kind,
                    "status": "published", "data": json.dumps(data, ensure_ascii=False),
                    "created_at": at, "updated_at": at, "themes": themes}
        joined = f"|{'|'.join(themes)}|"
        search = [{"practice_id": index + 1, "language": lang, "city_slug": city, "kind": kind,
                   "themes": joined, "published_at": at, "title": titles[lang],
                   "summary": summaries[lang], "body": bodies[lang]} for lang in languages]
        yield practice, search


PRACTICE_COLUMNS = ("id", "slug", "city_slug", "kind", "status", "data", "created_at",
                    "updated_at")
SEARCH_COLUMNS = ("id", "practice_id", "language", "city_slug", "kind", "themes",
                  "published_at")
TEXT_COLUMNS = ("id", "title", "summary", "body")


def load(obs: Observatory, generator: Generator, start: int, count: int,
         batch: int = 20_000) -> None:
    """Write practices ``start`` to ``start + count`` by the driver's bulk statements
    (``executemany`` on SQLite, ``COPY`` on PostgreSQL), in one transaction, with their
    themes, search rows, text and search counts; the full-text index is built once at
    the end."""
    postgres = obs.store.dialect == "postgresql"
    stamp = datetime(2020, 1, 1, tzinfo=timezone.utc)
    with obs.store.write() as connection:
        instant = sa.DateTime(timezone=True).dialect_impl(connection.dialect)
        as_text = instant.bind_processor(connection.dialect) or (lambda value: value)
        base = connection.scalar(sa.select(sa.func.max(schema.practices.c.id))) or 0
        row_id = connection.scalar(sa.select(sa.func.max(schema.practice_search.c.id))) or 0
        cursor = connection.connection.cursor()
        # The full-text index takes the new rows once, at the end.
        with deferred_index(connection, row_id + 1):
            produced = rows_of(generator, start, count, stamp)
            while True:
                chunk = list(itertools.islice(produced, batch))
                if not chunk:
                    break
                practices, themes, search, text = [], [], [], []
                for practice, rows in chunk:
                    practice_id = base + practice["id"]
                    practices.append((practice_id, *(practice[c] for c in PRACTICE_COLUMNS[1:])))
                    themes.extend((practice_id, theme) for theme in practice["themes"])
                    for row in rows:
                        row_id += 1
                        row["practice_id"] = practice_id
                        search.append((row_id, *(row[c] for c in SEARCH_COLUMNS[1:])))
                        text.append((row_id, row["title"], row["summary"], row["body"]))
                tables = ((schema.practices.name, PRACTICE_COLUMNS, practices),
                          (schema.practice_themes.name, ("practice_id", "theme"), themes),
                          (schema.practice_search.name, SEARCH_COLUMNS, search),
                          (schema.practice_text.name, TEXT_COLUMNS, text))
                for table, columns, values in tables:
                    if postgres:
                        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                            for value in values:
                                copy.write_row(value)
                    else:
                        if table in (schema.practices.name, schema.practice_search.name):
                            at = columns.index("published_at" if "published_at" in columns
                                               else "created_at")
                            values = [(*v[:at], *(as_text(x) for x in v[at:at + 2]), *v[at + 2:])
                                      if table == schema.practices.name
                                      else (*v[:at], as_text(v[at])) for v in values]
                        cursor.executemany(
                            f"INSERT INTO {table} ({', '.join(columns)}) "
                            f"VALUES ({', '.join('?' * len(columns))})", values)
                add_counts(connection, counts_of([row for _, rows in chunk for row in rows]))
        if postgres:
            for table in (schema.practices.name, schema.practice_search.name):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT max(id) FROM {table}))")
        cursor.close()
    if postgres:
        with obs.store.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))


# -- the limits: the simplest SQL doing each path's work on the same database


class Limits:
    """Each path done by the simplest SQL on one database: the page (ids by rank, or
    newest), the count, the facets grouped in one statement when the path shows them,
    the page's snippets and its stored data (not decoded)."""

    def __init__(self, obs: Observatory) -> None:
        self.obs = obs
        self.postgres = obs.store.dialect == "postgresql"

    def _all(self, sql: str, params: dict[str, Any]) -> list[Any]:
        with self.obs.store.read() as connection:
            return list(connection.execute(sa.text(sql), params))

    def _data(self, row_ids: Sequence[int]) -> int:
        if not row_ids:
            return 0
        cast = "::text" if self.postgres else ""
        return len(self._all(
            f"SELECT p.data{cast} FROM lt_practices p WHERE p.id IN (SELECT practice_id "
            f"FROM lt_practice_search WHERE id IN ({', '.join(map(str, row_ids))}))", {}))

    def browse(self, offset: int = 0) -> int:
        """Newest 20 practices (along the index) + how many are published."""
        page = self._all("SELECT practice_id FROM lt_practice_search GROUP BY published_at, "
                         "practice_id ORDER BY published_at DESC, practice_id DESC "
                         "LIMIT 20 OFFSET :o", {"o": offset})
        total = self._all("SELECT count(*) FROM lt_practices WHERE status = 'published'", {})
        ids = ", ".join(str(row[0]) for row in page) or "0"
        cast = "::text" if self.postgres else ""
        self._all(f"SELECT data{cast} FROM lt_practices WHERE id IN ({ids})", {})
        return int(total[0][0])

    def words(self, query: str, offset: int = 0, facets: bool = False) -> int:
        """The top 20 rows by rank (with snippets) + the count (+ the facet values
        grouped) + the page's data."""
        words = terms(query)
        if self.postgres:
            match = {"q": postgres_match(words), "o": offset}
            found = "lt_practice_text t WHERE t.document @@ to_tsquery('lt_search', :q)"
            page = self._all(
                "SELECT p.id, ts_headline('lt_search', t.summary || ' ' || t.body, "
                "to_tsquery('lt_search', :q)) FROM (SELECT t.id, ts_rank(t.document, "
                f"to_tsquery('lt_search', :q)) AS r FROM {found} ORDER BY r DESC, t.id "
                "LIMIT 20 OFFSET :o) p JOIN lt_practice_text t ON t.id = p.id", match)
            total = self._all(f"SELECT count(*) FROM {found}", match)
            if facets:
                joined = found.replace(" WHERE", " ON t.id = s.id WHERE")
                self._all("SELECT s.city_slug, s.kind, s.themes, s.language, count(*) FROM "
                          f"lt_practice_search s JOIN {joined} GROUP BY 1, 2, 3, 4", match)
        else:
            match = {"q": sqlite_match(words), "o": offset}
            found = "lt_practice_fts WHERE lt_practice_fts MATCH :q"
            page = self._all(
                f"SELECT rowid, snippet(lt_practice_fts, 2, '[', ']', '…', 24) FROM {found} "
                f"ORDER BY {_SQLITE_SCORE} LIMIT 20 OFFSET :o", match)
            total = self._all(f"SELECT count(*) FROM {found}", match)
            if facets:
                self._all("SELECT s.city_slug, s.kind, s.themes, s.language, count(*) FROM "
                          "lt_practice_fts f JOIN lt_practice_search s ON s.id = f.rowid "
                          "WHERE lt_practice_fts MATCH :q GROUP BY 1, 2, 3, 4", match)
        self._data([row[0] for row in page])
        return int(total[0][0])


def row(name: str, project: list[float], limit: list[float] | None,
        floor: float | None) -> str:
    """One printed row: the project's p95 and median, the limit's p95, the ratio, the floor."""
    p95 = percentile(project, 0.95)
    text = f"  {name:<34} {p95:9.2f} {statistics.median(project):9.2f}"
    if limit:
        lp95 = percentile(limit, 0.95)
        text += f" {lp95:9.2f} {p95 / lp95:7.2f}x"
    else:
        text += f" {'':9} {'':8}"
    if floor is not None:
        text += f"   <= {floor:g} ms: {'ok' if p95 <= floor else 'MISSED'}"
    return text


def measure_size(obs: Observatory, generator: Generator, size: int, rounds: int,
                 seconds: float, floors: bool) -> dict[str, float]:
    """Every path at one size: printed, and their p95s returned by path."""
    limits = Limits(obs)
    search = obs.practices.search
    forget = obs.practices.searcher.forget
    common = [w for w in COMMON if walk(search, w, 1) is not None] or list(COMMON)
    # Page 100 as a reader reaches it: by the "next" links, each a cursor (keyset).
    deep = {w: walk(search, w, 99) for w in common}
    browse_deep = walk(search, "", 99)
    found = [search(w, limit=1) for w in COMMON]
    pairs = [search(q, limit=1) for q in QUERIES]
    print(f"  practices found: one common word {min(r.total for r in found):,} to "
          f"{max(r.total for r in found):,}{' (capped)' if any(r.capped for r in found) else ''}"
          f"; two words {min(r.total for r in pairs):,} to {max(r.total for r in pairs):,}"
          f"{' (capped)' if any(r.capped for r in pairs) else ''}")
    print(f"  {'path (ms)':<34} {'p95':>9} {'median':>9} {'limit p95':>9} {'ratio':>8}")
    paths: list[tuple[str, Callable[[], object], Callable[[], object] | None]] = [
        ("browse", lambda: search(""), limits.browse),
        ("one common word", rotating(search, common), rotating(limits.words, common)),
        # The same, counted afresh each time: as the first search of a query after a
        # write (the others read the counts the searcher keeps, see Searcher).
        ("one common word, counted afresh", rotating(lambda w: (forget(), search(w)), common),
         rotating(limits.words, common)),
        ("two words + facets", rotating(search, QUERIES),
         rotating(lambda q: limits.words(q, facets=True), QUERIES)),
        ("page 100 (one common word)", rotating(lambda w: search(w, after=deep[w]), common),
         rotating(lambda w: limits.words(w, DEEP), common)),
        ("page 100 by offset (common word)", rotating(lambda w: search(w, offset=DEEP),
                                                      common), None),
        ("browse, page 100", lambda: search("", after=browse_deep),
         lambda: limits.browse(DEEP)),
        ("browse, page 100 by offset", lambda: search("", offset=DEEP), None),
        ("browse, one filter (city)", rotating(
            lambda city: search("", city=city), [c.slug for c in generator.cities]), None),
        ("two words, theme + country", rotating(
            lambda q: search(q, theme="culture", country="TR"), QUERIES), None),
        ("prefix query ('conviv* barrio')", lambda: search("conviv* barrio"), None),
        ("worst: the 2 most frequent words", lambda: search(
            " ".join(generator.words["en"][:2])), None),
    ]
    figures = {}
    for name, project, limit in paths:
        timings = measure(project, rounds=rounds, seconds=seconds)
        bound = measure(limit, rounds=rounds, seconds=seconds) if limit else None
        print(row(name, timings, bound, FLOORS.get(name) if floors else None))
        figures[name] = percentile(timings, 0.95)
    return figures


def run(url: str, label: str, sizes: Sequence[int], rounds: int, seconds: float,
        library: int) -> None:
    """Every figure on one database, growing the catalogue through ``sizes``."""
    print(f"{label}: {url.split('@')[-1]}")
    obs = Observatory.open(url)
    generator = Generator()
    for city in generator.cities:
        obs.cities.save(city)
    first = min(library, sizes[0])
    start = time.perf_counter()
    practices = list(generator.practices(first))
    print(f"  {'generate ' + format(first, ',') + ' practices (models)':<40} "
          f"{time.perf_counter() - start:9.2f} s")
    start = time.perf_counter()
    obs.practices.create_many(practices)
    print(f"  {'bulk import (create_many), indexed':<40} {time.perf_counter() - start:9.2f} s")
    done = first
    figures: dict[int, dict[str, float]] = {}
    for size in sizes:
        if size > done:
            start = time.perf_counter()
            load(obs, generator, done, size - done)
            print(f"  {'load ' + format(size - done, ',') + ' more (bench bulk loader)':<40} "
                  f"{time.perf_counter() - start:9.2f} s")
            done = size
        if obs.store.dialect == "postgresql":
            with obs.store.write() as connection:
                connection.execute(sa.text("ANALYZE"))
        with obs.store.read() as connection:
            rows = connection.scalar(sa.text("SELECT count(*) FROM lt_practice_search"))
        print(f"{label}, {size:,} practices ({rows:,} search rows)")
        figures[size] = measure_size(obs, generator, size, rounds, seconds,
                                     floors=size == 100_000)
    if len(sizes) > 1:
        print(f"{label}, growth of each p95 from one size to the next"
              + (f" (at most {GROWTH:g}x from 100,000 to 1,000,000)"
                 if {100_000, 1_000_000} <= set(sizes) else ""))
        for name in figures[sizes[0]]:
            line_ = f"  {name:<34}" + "".join(
                f" {before:,}->{after:,}: {figures[after][name] / figures[before][name]:5.2f}x"
                for before, after in itertools.pairwise(sizes))
            if {100_000, 1_000_000} <= set(sizes):
                grown = figures[1_000_000][name] / figures[100_000][name]
                line_ += f"   100k->1M {grown:5.2f}x: {'ok' if grown <= GROWTH else 'MISSED'}"
            print(line_)
    obs.close()


def drop_postgres(url: str) -> None:
    """Empty the scratch database's public schema of this library's objects (every table
    of the store's schema, so that the migrations run again from the start)."""
    from livingtogether.store import schema

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        for table in reversed(schema.metadata.sorted_tables):
            connection.execute(sa.text(f"DROP TABLE IF EXISTS {table.name} CASCADE"))
        connection.execute(sa.text("DROP TEXT SEARCH CONFIGURATION IF EXISTS lt_search"))
    engine.dispose()


def main() -> None:
    """Parse the bounds and run on SQLite (and PostgreSQL if named)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000",
                        help="catalogue sizes, comma-separated, growing (e.g. 10000,50000)")
    parser.add_argument("--library", type=int, default=10_000,
                        help="how many of the first practices go through create_many")
    parser.add_argument("--rounds", type=int, default=200, help="most calls per figure")
    parser.add_argument("--seconds", type=float, default=5.0, help="most time per figure")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="one database only")
    args = parser.parse_args()
    sizes = sorted({int(size.replace("_", "")) for size in args.sizes.split(",")})
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as folder:
            run(f"sqlite:///{Path(folder) / 'bench.sqlite3'}", "SQLite", sizes,
                args.rounds, args.seconds, args.library)
    postgres = os.environ.get("LIVINGTOGETHER_BENCH_POSTGRES_URL")
    if postgres and args.only != "sqlite":
        drop_postgres(postgres)
        run(postgres, "PostgreSQL", sizes, args.rounds, args.seconds, args.library)


if __name__ == "__main__":
    main()
