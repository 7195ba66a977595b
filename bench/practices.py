"""Benchmark of the catalogue's search on a large synthetic multilingual catalogue.

Generates N practices (default 100,000) in one to three of six languages, with
words drawn from a Zipf-like vocabulary per language (real words first, then
synthetic ones: see ``vocabulary``), in 60 cities of 30 countries; bulk-imports them; then times a
two-word query with its facets (the search the widget and API run), pages and
filters, and a plain ``LIKE`` scan over the same rows for comparison. SQLite
on a fresh file, and PostgreSQL too when ``LIVINGTOGETHER_BENCH_POSTGRES_URL``
is set (its tables are dropped first: use a scratch database).

    python bench/practices.py [--practices 100000] [--rounds 200] [--seconds 10]

Floors on SQLite: p95 of the two-word query with facets <= 20 ms, at least 50
times faster than the LIKE scan, bulk import <= 60 s.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import sqlalchemy as sa

from livingtogether import City, ModerationStatus, Observatory, Practice, PracticeKind, Text
from livingtogether.models import THEMES

# The same measuring and printing as the foundation's benchmark (run from bench/).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from foundation import line, measure, percentile

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

    def text(self, language: str, count: int) -> str:
        """``count`` words of ``language``."""
        words = self.words[language]
        picks = self.rng.choices(words, cum_weights=self.cumulative, k=count)
        return " ".join(picks)

    def practices(self, count: int) -> Iterator[Practice]:
        """``count`` published practices."""
        rng = self.rng
        kinds = list(PracticeKind)
        for index in range(count):
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


def rotating(action: Callable[[str], object], values: Sequence[str]) -> Callable[[], object]:
    """``action`` called with each of ``values`` in turn, one per call."""
    turn = itertools.cycle(values)
    return lambda: action(next(turn))


def like_scan(obs: Observatory, query: str) -> int:
    """The practices whose text contains every word, by a plain LIKE scan (case folded by
    LIKE for ASCII only: the baseline the full-text index replaces)."""
    rows = sa.table("lt_practice_search", sa.column("id"), sa.column("practice_id"))
    text = sa.table("lt_practice_text", sa.column("id"), sa.column("title"),
                    sa.column("summary"), sa.column("body"))
    postgres = obs.store.dialect == "postgresql"
    conditions = []
    for word in query.split():
        pattern = f"%{word}%"
        # SQLite's LIKE ignores ASCII case already; PostgreSQL's needs ILIKE for the same.
        conditions.append(sa.or_(*(
            column.ilike(pattern) if postgres else column.like(pattern)
            for column in (text.c.title, text.c.summary, text.c.body))))
    select = (sa.select(rows.c.practice_id).select_from(rows.join(text, text.c.id == rows.c.id))
              .where(*conditions))
    with obs.store.read() as connection:
        return len(set(connection.scalars(select)))


def index_match(obs: Observatory, query: str) -> int:
    """The practices whose text contains every word, by the full-text index alone: what
    the LIKE scan does, done by the index (no ranking, facets, snippets or models)."""
    from livingtogether.services.search import postgres_match, sqlite_match, terms

    words = terms(query)
    if obs.store.dialect == "postgresql":
        sql = ("SELECT s.practice_id FROM lt_practice_search s JOIN lt_practice_text t "
               "ON t.id = s.id WHERE t.document @@ to_tsquery('lt_search', :q)")
        match = postgres_match(words)
    else:
        sql = ("SELECT s.practice_id FROM lt_practice_search s JOIN lt_practice_fts f "
               "ON f.rowid = s.id WHERE lt_practice_fts MATCH :q")
        match = sqlite_match(words)
    with obs.store.read() as connection:
        return len(set(connection.scalars(sa.text(sql), {"q": match})))


def run(url: str, label: str, count: int, rounds: int, seconds: float) -> None:
    """Every figure on one database."""
    print(f"{label}: {url.split('@')[-1]}, {count:,} practices")
    obs = Observatory.open(url)
    generator = Generator()
    for city in generator.cities:
        obs.cities.save(city)
    start = time.perf_counter()
    practices = list(generator.practices(count))
    print(f"  {'generate the practices (models, validated)':<40} "
          f"{time.perf_counter() - start:9.2f} s")
    start = time.perf_counter()
    obs.practices.create_many(practices)
    elapsed = time.perf_counter() - start
    floor = (f"   floor 60 s: {'ok' if elapsed <= 60 else 'MISSED'}"
             if obs.store.dialect == "sqlite" else "")
    print(f"  {'bulk import (create_many), index included':<40} {elapsed:9.2f} s{floor}")
    if obs.store.dialect == "postgresql":
        with obs.store.write() as connection:
            connection.execute(sa.text("ANALYZE"))
    with obs.store.read() as connection:
        rows = connection.scalar(sa.text("SELECT count(*) FROM lt_practice_text"))
    print(f"  {'search rows (practice x language)':<40} {rows:9,}")

    def search(query: str) -> object:
        return obs.practices.search(query, limit=20)

    def search_afresh(query: str) -> object:
        # Every practice decoded from its stored JSON again (a search keeps the ones
        # it decoded until their stored text changes).
        obs.practices.searcher._decoded.clear()
        return search(query)

    results = [obs.practices.search(q, limit=20).total for q in QUERIES]
    print(f"  {'practices found per query (min / max)':<40} {min(results):9,} / {max(results):,}")
    timings = measure(rotating(search, QUERIES), rounds=rounds, seconds=seconds)
    print(line("two-word query, facets, snippets, page of 20", timings))
    p95 = percentile(timings, 0.95)
    afresh = measure(rotating(search_afresh, QUERIES), rounds=rounds, seconds=seconds)
    print(line("same, the page's practices decoded afresh", afresh))
    print(line("same, filtered (theme + country)", measure(rotating(
        lambda q: obs.practices.search(q, theme="culture", country="TR"), QUERIES),
        rounds=rounds, seconds=seconds)))
    print(line("same, page 5", measure(rotating(
        lambda q: obs.practices.search(q, offset=80), QUERIES), rounds=rounds, seconds=seconds)))
    frequent = " ".join(generator.words["en"][:2])
    found = obs.practices.search(frequent).total
    print(line(f"worst case: the 2 most frequent words ({found:,})", measure(
        lambda: obs.practices.search(frequent), rounds=min(rounds, 30), seconds=seconds)))
    print(line("browse: no words, one filter (city), facets", measure(rotating(
        lambda city: obs.practices.search("", city=city), [c.slug for c in generator.cities]),
        rounds=min(rounds, 50), seconds=seconds)))
    print(line("browse: no words, no filter (first page)", measure(
        lambda: obs.practices.search(""), rounds=min(rounds, 10), seconds=seconds)))
    print(line("prefix query ('conviv* barrio')", measure(
        lambda: obs.practices.search("conviv* barrio"), rounds=rounds, seconds=seconds)))
    scan = measure(rotating(lambda q: like_scan(obs, q), QUERIES),
                   rounds=min(rounds, 20), seconds=seconds * 2)
    print(line("plain LIKE scan, the same two words", scan))
    matched = measure(rotating(lambda q: index_match(obs, q), QUERIES),
                      rounds=rounds, seconds=seconds)
    print(line("the index finding the same practices", matched))
    whole = statistics.median(scan) / statistics.median(timings)
    cold = statistics.median(scan) / statistics.median(afresh)
    alone = statistics.median(scan) / statistics.median(matched)
    print(f"  {'LIKE scan / whole search (medians)':<40} {whole:9.0f}x")
    print(f"  {'same, practices decoded afresh':<40} {cold:9.0f}x")
    print(f"  {'LIKE scan / index alone (medians)':<40} {alone:9.0f}x")
    if obs.store.dialect == "sqlite":
        print(f"  {'floors (SQLite)':<40} p95 {p95:.2f} ms <= 20: "
              f"{'ok' if p95 <= 20 else 'MISSED'};  >= 50x the scan: whole search "
              f"{'ok' if whole >= 50 else 'MISSED'}, "
              f"index alone {'ok' if alone >= 50 else 'MISSED'}")
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
    parser.add_argument("--practices", type=int, default=100_000, help="how many practices")
    parser.add_argument("--rounds", type=int, default=200, help="most calls per figure")
    parser.add_argument("--seconds", type=float, default=10.0, help="most time per figure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'bench.sqlite3'}", "SQLite", args.practices,
            args.rounds, args.seconds)
    postgres = os.environ.get("LIVINGTOGETHER_BENCH_POSTGRES_URL")
    if postgres:
        drop_postgres(postgres)
        run(postgres, "PostgreSQL", args.practices, args.rounds, args.seconds)


if __name__ == "__main__":
    main()
