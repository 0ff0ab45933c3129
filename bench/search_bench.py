"""Benchmark the Whoosh search index against SQLite FTS5 on a synthetic forum corpus.

Run: .venv/bin/python bench/search_bench.py --posts 100000
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search import SearchDocument, SearchQuery, Vocabulary, WhooshIndex  # noqa: E402

TAXONOMY = Path(__file__).resolve().parents[1] / "forum" / "data" / "taxonomy.json"
SEED = 20240611
EPOCH = datetime(2022, 1, 1, tzinfo=UTC)

COMMON = """the of and to a in is it you that he was for on are with as i his they be at one
have this from or had by not word but what some we can out other were all there when up use
your how said an each she which do their time if will way about many then them write would
like so these her long make thing see him two has look more day could go come did number sound
no most people my over know water than call first who may down side been now find any new work
part take get place made live where after back little only round man year came show every good
me give our under name very through just form sentence great think say help low line differ
turn cause much mean before move right boy old too same tell does set three want air well also
play small end put home read hand port large spell add even land here must big high such follow
act why ask men change went light kind off need house picture try us again animal point mother
world near build self earth father head stand own page should country found answer school grow
study still learn plant cover food sun four between state keep eye never last let thought city
tree cross farm hard start might story saw far sea draw left late run don't while press close
night real life few north open seem together next white children begin got walk example ease
paper group always music those both mark often letter until mile river car feet care second book
carry took science eat room friend began idea fish mountain stop once base hear horse cut sure
watch color face wood main enough plain girl usual young ready above ever red list though feel
talk bird soon body dog family direct pose leave song measure door product black short numeral
class wind question happen complete ship area half rock order fire south problem piece told knew
pass since top whole king space heard best hour better true during hundred five remember step
early hold west ground interest reach fast verb sing listen six table travel less morning ten
simple several vowel toward war lay against pattern slow center love person money serve appear
road map rain rule govern pull cold notice voice unit power town fine certain fly fall lead cry
dark machine note wait plan figure star box noun field rest correct able pound done beauty drive
stood contain front teach week final gave green oh quick develop ocean warm free minute strong
special mind behind clear tail produce fact street inch multiply nothing course stay wheel full
force blue object decide surface deep moon island foot system busy test record boat common gold
possible plane stead dry wonder laugh thousand ago ran check game shape equate hot miss brought
heat snow tire bring yes distant fill east paint language among neurologist dose morning evening
tablet dosage increase decrease nurse appointment legs arms calf thigh shoulder back neck wheelchair
walker stick scooter flare relapse mri diagnosis week month daily weekly side effects worse better
""".split()

SYLLABLES = [c + v for c in "bcdfglmnprstvz" for v in "aeiou"]


class Corpus:
    """A deterministic synthetic forum: Zipf-distributed words plus taxonomy phrases."""

    def __init__(self, taxonomy: dict, posts: int) -> None:
        rng = random.Random(SEED)
        self.posts = posts
        self.concepts = [
            (entry["slug"], [entry["name"], *entry.get("synonyms", [])])
            for group in ("symptoms", "treatments")
            for entry in taxonomy[group]
        ]
        tail = {"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(30000)}
        words = list(dict.fromkeys(COMMON)) + sorted(tail - set(COMMON))
        taxonomy_words = sorted(
            {w.lower() for _, phrases in self.concepts for p in phrases for w in p.split()}
        )
        # Taxonomy words take ranks among the moderately common words.
        for offset, word in enumerate(taxonomy_words):
            words.insert(150 + offset * 7, word)
        self.words = list(dict.fromkeys(words))
        weights = [1.0 / (rank + 1) ** 1.07 for rank in range(len(self.words))]
        self.cumulative = list(itertools.accumulate(weights))

    def _words(self, rng: random.Random, count: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cumulative, k=count)

    def document(self, doc_id: int) -> SearchDocument:
        rng = random.Random(SEED * 1_000_003 + doc_id)
        body = self._words(rng, rng.randint(50, 300))
        tags = []
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            slug, phrases = rng.choice(self.concepts)
            tags.append(slug)
            for _ in range(rng.randint(1, 3)):
                body.insert(rng.randrange(len(body) + 1), rng.choice(phrases))
        title = self._words(rng, rng.randint(4, 10))
        if tags and rng.random() < 0.6:
            title.insert(rng.randrange(len(title) + 1), rng.choice(self.concepts)[1][0])
        kind = rng.choice(("question", "question", "experience", "answer", "answer", "answer"))
        visibility = rng.choices(("public", "held", "removed", "deleted"), (95, 3, 1, 1))[0]
        treatment = tags[0] if kind == "experience" and tags else None
        created = EPOCH + timedelta(minutes=doc_id * 7 + rng.randint(0, 6))
        return SearchDocument(
            id=doc_id,
            thread_id=doc_id if kind != "answer" else max(1, doc_id - rng.randint(1, 50)),
            kind=kind,
            title=" ".join(title).capitalize(),
            body=" ".join(body).capitalize() + ".",
            tags=tuple(dict.fromkeys(tags)),
            author=f"member{rng.randint(1, 5000)}",
            created_at=created,
            helpful=int(rng.paretovariate(1.5)) - 1,
            visibility=visibility,
            treatment=treatment,
            effectiveness=rng.randint(1, 5) if kind == "experience" else None,
            version=created.isoformat(),
        )

    def documents(self) -> Iterator[SearchDocument]:
        for doc_id in range(1, self.posts + 1):
            yield self.document(doc_id)


def query_mix(corpus: Corpus) -> list[tuple[str, SearchQuery]]:
    """Return at least 200 labelled queries of the kinds members type."""
    rng = random.Random(SEED + 1)
    common = corpus.words[20:400]
    names = [phrases[0] for _, phrases in corpus.concepts]
    brands = [
        "lioresal",
        "zanaflex",
        "sativex",
        "botox",
        "lyrica",
        "neurontin",
        "valium",
        "klonopin",
        "dantrium",
        "gablofen",
        "dysport",
        "walkaide",
    ]
    misspellings = [
        "baclofne",
        "tizanidne",
        "gabapentn",
        "pregabalim",
        "diazapem",
        "botoks",
        "spasticty",
        "clonazepan",
        "dantroline",
        "physiotheraphy",
        "cramsp",
    ]
    lay = [
        "legs jump at night",
        "does cbd help cramps",
        "baclofen pump",
        "jelly legs",
        "cant sleep spasms",
        "legs give way",
        "brain fog baclofen",
        "charley horse calf",
    ]
    slugs = [slug for slug, _ in corpus.concepts]
    mix: list[tuple[str, SearchQuery]] = []
    for _ in range(40):
        mix.append(("single term", SearchQuery(rng.choice(common + names).lower())))
    for _ in range(35):
        mix.append(("two terms", SearchQuery(f"{rng.choice(names)} {rng.choice(common)}")))
    for _ in range(25):
        doc = corpus.document(rng.randint(1, corpus.posts))
        words = doc.body.lower().rstrip(".").split()
        start = rng.randrange(len(words) - 2)
        mix.append(("phrase", SearchQuery('"' + " ".join(words[start : start + 2]) + '"')))
    for _ in range(25):
        mix.append(("brand name", SearchQuery(rng.choice(brands))))
    for _ in range(20):
        mix.append(("misspelling", SearchQuery(rng.choice(misspellings))))
    for _ in range(15):
        mix.append(("lay phrase", SearchQuery(rng.choice(lay))))
    for _ in range(25):
        mix.append(
            (
                "tag-filtered",
                SearchQuery(rng.choice(common + names).lower(), tags=(rng.choice(slugs),)),
            )
        )
    for _ in range(25):
        mix.append(
            ("sorted by newest", SearchQuery(rng.choice(common + names).lower(), sort="new"))
        )
    for _ in range(10):
        mix.append(("exclusion", SearchQuery(f"{rng.choice(names)} -{rng.choice(common)}")))
    for _ in range(20):
        words = " ".join(rng.sample(common, 3))
        mix.append(("question", SearchQuery(f"does anyone find {rng.choice(names)} {words}")))
    for _ in range(20):
        mix.append(("three concepts",
                    SearchQuery(" ".join(rng.sample(names, 2) + [rng.choice(common)]))))
    return mix


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def directory_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def peak_memory_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


FTS5_FORM = (
    "words OR'd (any word matches, ranked), \"phrases\" and NOT strict, "
    "ORDER BY bm25(posts, 2.0, 1.0)"
)


def fts5_expression(query: SearchQuery) -> str | None:
    """Translate the member's text into an FTS5 MATCH expression (no synonyms, no fuzzing).

    Like Thaw's ranking, every plain word is optional (OR) and bm25 orders the hits; quoted
    phrases are required and -words excluded.
    """
    parts = []
    text = query.text
    phrases = []
    while text.count('"') >= 2:
        start = text.index('"')
        end = text.index('"', start + 1)
        phrases.append(text[start + 1 : end])
        text = text[:start] + " " + text[end + 1 :]
    for phrase in phrases:
        words = ["".join(ch for ch in w if ch.isalnum()) for w in phrase.split()]
        parts.append('"' + " ".join(w for w in words if w) + '"')
    negatives = []
    words = []
    for word in text.split():
        clean = "".join(ch for ch in word if ch.isalnum())
        if not clean:
            continue
        if word.startswith("-"):
            negatives.append(clean)
        else:
            words.append(f'"{clean}"')
    if words:
        parts.append("(" + " OR ".join(words) + ")")
    if not parts:
        return None
    expression = " AND ".join(parts)
    for word in negatives:
        expression += f' NOT "{word}"'
    if query.tags:
        expression = f'({expression}) AND tags:"{query.tags[0]}"'
    return expression


def build_fts5(path: Path, corpus: Corpus) -> float:
    started = time.perf_counter()
    db = sqlite3.connect(path)
    db.execute(
        "CREATE VIRTUAL TABLE posts USING fts5(title, body, tags, visibility UNINDEXED, "
        "created UNINDEXED, tokenize='porter unicode61 remove_diacritics 2')"
    )
    rows = (
        (d.id, d.title, d.body, " ".join(d.tags), d.visibility, d.created_at.timestamp())
        for d in corpus.documents()
    )
    db.executemany(
        "INSERT INTO posts(rowid, title, body, tags, visibility, created) VALUES (?,?,?,?,?,?)",
        rows,
    )
    db.commit()
    db.close()
    return time.perf_counter() - started


def run_fts5(path: Path, mix: list[tuple[str, SearchQuery]]) -> list[float]:
    db = sqlite3.connect(path)
    timings = []
    for _, query in mix:
        expression = fts5_expression(query)
        started = time.perf_counter()
        if expression is not None:
            order = "created DESC" if query.sort == "new" else "bm25(posts, 2.0, 1.0)"
            where = "posts MATCH ? AND visibility = 'public'"
            db.execute(f"SELECT count(*) FROM posts WHERE {where}", (expression,)).fetchone()
            db.execute(
                f"SELECT rowid, highlight(posts, 0, '<mark>', '</mark>'), "
                f"snippet(posts, 1, '<mark>', '</mark>', '…', 32) FROM posts "
                f"WHERE {where} ORDER BY {order} LIMIT 20",
                (expression,),
            ).fetchall()
        timings.append(time.perf_counter() - started)
    db.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=20000)
    parser.add_argument(
        "--index", type=Path, help="reuse an index built by an earlier run (skips the rebuild)"
    )
    parser.add_argument("--keep", type=Path, help="build the index here and keep it")
    args = parser.parse_args()

    taxonomy = json.loads(TAXONOMY.read_text(encoding="utf-8"))
    vocabulary = Vocabulary.from_taxonomy(taxonomy)
    corpus = Corpus(taxonomy, args.posts)
    workdir = Path(tempfile.mkdtemp(prefix="thaw-search-bench-"))
    index_dir = args.index or args.keep or workdir / "index"
    print(f"posts: {args.posts}  (corpus vocabulary {len(corpus.words)} words, seed {SEED})")

    index = WhooshIndex(index_dir, vocabulary)
    if args.index is None:
        started = time.perf_counter()
        index.rebuild(corpus.documents(), total=args.posts)
        elapsed = time.perf_counter() - started
        own, children = peak_memory_mb()
        print(
            f"rebuild: {elapsed:.1f} s, {args.posts / elapsed:.0f} docs/s, "
            f"peak RSS self {own:.0f} MB, largest child {children:.0f} MB"
        )
    print(f"index size on disk: {directory_size(index_dir) / 1e6:.1f} MB")

    mix = query_mix(corpus)
    started = time.perf_counter()
    index.warm()  # as each gunicorn worker does when it starts (gunicorn.conf.py)
    print(f"warm-up (a worker's start): {time.perf_counter() - started:.2f} s")
    index.search(SearchQuery("warm up"))
    timings: dict[str, list[float]] = {}
    all_timings = []
    totals = []
    for label, query in mix:
        started = time.perf_counter()
        results = index.search(query)
        spent = time.perf_counter() - started
        timings.setdefault(label, []).append(spent)
        all_timings.append(spent)
        totals.append(results.total)
    print(
        f"whoosh search ({len(mix)} queries, snippets + facets): "
        f"p50 {percentile(all_timings, 0.5) * 1000:.1f} ms, "
        f"p95 {percentile(all_timings, 0.95) * 1000:.1f} ms, "
        f"max {max(all_timings) * 1000:.1f} ms, median hits {statistics.median(totals):.0f}"
    )
    for label, values in timings.items():
        print(
            f"  {label:<17} n={len(values):<3} p50 {percentile(values, 0.5) * 1000:6.1f} ms"
            f"  p95 {percentile(values, 0.95) * 1000:6.1f} ms"
        )

    latencies = []
    for n in range(40):
        marker = f"benchmarker{uuid.uuid4().hex}"
        doc = corpus.document(args.posts + 1 + n)
        fresh = SearchDocument(
            **{
                **{k: getattr(doc, k) for k in doc.__slots__},
                "body": f"{doc.body} {marker}",
                "visibility": "public",
            }
        )
        started = time.perf_counter()
        index.add([fresh])
        while index.search(SearchQuery(marker)).total == 0:
            if time.perf_counter() - started > 5:
                raise SystemExit("a new post did not become searchable within 5 s")
        latencies.append(time.perf_counter() - started)
    print(
        f"post-to-searchable: p50 {percentile(latencies, 0.5) * 1000:.1f} ms, "
        f"p95 {percentile(latencies, 0.95) * 1000:.1f} ms"
    )

    fts_path = workdir / "fts5.sqlite"
    fts_build = build_fts5(fts_path, corpus)
    fts_timings = run_fts5(fts_path, mix)
    fts_p95 = percentile(fts_timings, 0.95)
    whoosh_p95 = percentile(all_timings, 0.95)
    print(
        f"sqlite fts5 (bm25 + snippet + count, same queries without synonyms or facets): "
        f"build {fts_build:.1f} s, p50 {percentile(fts_timings, 0.5) * 1000:.1f} ms, "
        f"p95 {fts_p95 * 1000:.1f} ms, size {fts_path.stat().st_size / 1e6:.1f} MB"
    )
    print(f"fts5 query form: {FTS5_FORM}")
    print(f"p95 ratio whoosh / fts5: {whoosh_p95 / fts_p95:.2f}x")
    own, children = peak_memory_mb()
    print(f"peak RSS over the whole run: self {own:.0f} MB, largest child {children:.0f} MB")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
