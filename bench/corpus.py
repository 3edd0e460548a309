"""Deterministic synthetic corpus of feedpub records, for tests and benchmarks.

Each record is a Markdown file with YAML front matter shaped like the real
feed records (title, excerpt, publishedDateTime, originalUrl, webUrl, type,
quality, heat, published, provider, topics, related, secured) and an optional
short Markdown body.  The generator exists so that the test suite can work on
a few hundred realistic records and the benchmark on up to ~100,000, without
shipping real data.

Usage::

    python bench/corpus.py N DEST [--seed S]

or from Python::

    from bench.corpus import write_corpus
    paths = write_corpus(tmp_path / "records", 300, seed=1)

Records are written as ``DEST/<shard>/<id>.md`` where ``<id>`` is the
zero-padded record number (``0000042``) and ``<shard>`` is two hex digits
(``i % 256``), so a directory holds at most ~400 files for 100,000 records
(~1,000 for 256,000).

Guarantees and deliberate quirks:

* Determinism: the same ``(n, seed)`` gives byte-identical files.  Only
  :class:`random.Random` is used (seeded with ``"{seed}:..."`` strings, which
  Python hashes with SHA-512, not with the salted ``hash()``); no clock.
* Each record ``i`` draws from its own ``Random(f"{seed}:{i}")``, so record
  ``i`` does not depend on ``n``: a smaller corpus is a prefix of a larger
  one with the same seed, and :func:`render_record` can regenerate any single
  record.
* All strings are emitted as double-quoted YAML scalars via :func:`yaml_str`,
  except that ~1% of records carry one topic from
  :data:`YAML11_TRICKY_TOPICS` written *unquoted* (e.g. ``  - No``), which a
  YAML 1.1 loader turns into ``False`` / ``True`` / ``2020``; this exercises
  the feedpub loader's schema conversion.
* Titles and excerpts sometimes contain unicode (accents, CJK, em dashes,
  curly quotes, emoji) and HTML-special text (``&``, ``<b>``, ``"``, ``]]>``).
* ``publishedDateTime`` is RFC 3339 with ``Z`` in 2020-2026; ~2% of records
  share the exact second with a neighbour.  ``originalUrl`` usually equals
  ``webUrl``.  ~3% are drafts (``published: false``); ~10% have a body.
* Related items: ~30% reuse a URL from a shared pool (the same pool URL always
  carries the same title/excerpt/provider/date), ~5% point at an earlier
  record's ``webUrl``, the rest are unique; ~3% lack ``publishedDateTime``.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import functools
import itertools
import re
import sys
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from random import Random

#: Topic names that YAML 1.1 (PyYAML's SafeLoader) resolves to non-strings
#: when unquoted: booleans and integers.
YAML11_TRICKY_TOPICS: tuple[str, ...] = ("No", "On", "Off", "Yes", "2020", "2024")

#: Shards per corpus: two hex digits.
N_SHARDS = 256

_START = int(datetime(2020, 1, 1, tzinfo=UTC).timestamp())
_END = int(datetime(2027, 1, 1, tzinfo=UTC).timestamp())

# Ordinary topic names, most popular first (the Zipf weights follow this order).
_TOPICS = (
    "AI", "Machine Learning", "Computer Vision", "Data Science", "Privacy",
    "Security", "Cloud", "Open Source", "Python", "Robotics", "Biometrics",
    "Startups", "Deep Learning", "NLP", "Healthcare", "Fintech", "Climate",
    "Energy", "Quantum Computing", "Semiconductors", "Mobile", "Web",
    "DevOps", "Databases", "Edge Computing", "IoT", "Autonomous Vehicles",
    "Space", "Regulation", "Ethics", "Education", "Gaming", "AR/VR",
    "Blockchain", "Supply Chain", "Retail", "Media", "Music", "Drones",
    "Agriculture", "Smart Cities", "5G", "Cybercrime", "Open Data",
    "Accessibility", "Bioinformatics", "Neuroscience", "Chips & Hardware",
    "Programming Languages", "Rust", "Kubernetes", "Observability",
    "Économie numérique", "Künstliche Intelligenz",
)  # fmt: skip
# Real names that are also YAML 1.1 specials go to the long tail.
_ALL_TOPICS = _TOPICS + YAML11_TRICKY_TOPICS

_ADJECTIVES = (
    "new", "open", "secure", "distributed", "neural", "tiny", "massive",
    "federated", "private", "global", "quantum", "autonomous", "hybrid",
    "synthetic", "real-time", "low-power", "generative", "robust", "legacy",
    "experimental", "regional", "national", "affordable", "scalable",
)  # fmt: skip
_NOUNS = (
    "model", "dataset", "network", "chip", "camera", "platform", "startup",
    "regulator", "benchmark", "framework", "sensor", "robot", "pipeline",
    "database", "browser", "compiler", "satellite", "battery", "algorithm",
    "marketplace", "hospital", "university", "agency", "lab", "protocol",
)  # fmt: skip
_VERBS = (
    "launches", "tests", "rethinks", "opens", "bans", "acquires", "doubles",
    "measures", "speeds up", "audits", "replaces", "expands", "warns about",
    "simplifies", "publishes", "pilots", "delays", "funds", "questions",
)  # fmt: skip
_PLACES = (
    "Berlin", "Moscow", "Lagos", "Toronto", "Nairobi", "Lima", "Oslo",
    "São Paulo", "Kraków", "Zürich", "Montréal", "Malmö", "Łódź", "Reykjavík",
    "東京", "北京", "서울", "Mumbai", "Cape Town", "Ciudad de México",
)  # fmt: skip
_PEOPLE = (
    "Anna Kowalski", "José Núñez", "Zoë Brontë", "François Lefèvre",
    "Søren Kierkegaard Jr.", "Ahmed Ali", "Mei Lin", "Jürgen Groß",
    "Chidi Okafor", "Priya Raman", "Björn Ødegaard", "Ana-María Peña",
    "山田太郎", "O'Brien", "Dana Smith",
)  # fmt: skip
_ORGS = (
    "AT&T", "Procter & Gamble", "Acme Corp", "Globex", "Initech", "Umbrella Labs",
    "Stark Industries", "Wayne Enterprises", "Tyrell", "Cyberdyne", "Hooli",
)  # fmt: skip
# Fragments that stress escaping and HTML handling in titles and excerpts.
_SPECIALS = (
    " & ", " <b>bold</b> ", ' "quoted" ', " ]]> ", " — ", " “curly” ",
    " \u2018single\u2019 ", " <script>alert(1)</script> ", " a < b > c ", " C:\\temp\\ ",
    " 100% ", " #hashtag ", " key: value ", " — 東京 — ", " 🚀 ", " &amp; ",
    " \u2018it\u2019s\u2019 ", " <em>é</em> ",
)  # fmt: skip
_FILLER = (
    "the", "a", "of", "to", "in", "for", "with", "on", "by", "from", "and",
    "that", "is", "was", "will", "could", "data", "users", "researchers",
    "the company", "officials", "engineers", "customers", "critics",
    "results", "costs", "accuracy", "latency", "privacy", "rules", "cities",
    "systems", "devices", "teams", "investors", "experts", "reports",
    "according", "said", "announced", "showed", "suggested", "planned",
    "recently", "quietly", "finally", "again", "still", "nearly", "twice",
)  # fmt: skip
_PROVIDER_WORDS = (
    "Analytics", "Biometric", "Signal", "Vector", "Tensor", "Daily", "Weekly",
    "Circuit", "Pixel", "Quantum", "Open", "Civic", "Harbor", "Summit",
    "Northern", "Pacific", "Atlas", "Beacon", "Cobalt", "Delta", "Echo",
    "Frontier", "Granite", "Horizon", "Iris", "Juniper", "Kepler", "Lumen",
    "Meridian", "Nimbus", "Orbit", "Prism", "Quill", "Relay", "Sierra",
    "Tidal", "Update", "Vertex", "Wired", "Zenith", "Mobile ID", "Byte",
)  # fmt: skip
_PROVIDER_SUFFIXES = (
    "News", "Times", "Review", "World", "Update", "Journal", "Post", "Wire",
    "Insider", "Report", "Digest", "Blog", "Today", "Weekly", "Gazette",
)  # fmt: skip

# ---------------------------------------------------------------------------
# YAML scalar escaping
# ---------------------------------------------------------------------------

_YAML_ESCAPES: dict[int, str] = {
    **{c: f"\\x{c:02x}" for c in range(0x20)},
    **{c: f"\\x{c:02x}" for c in range(0x7F, 0xA0)},
    0x09: "\\t",
    0x0A: "\\n",
    0x0D: "\\r",
    0x00: "\\0",
    0x5C: "\\\\",
    0x22: '\\"',
    0x2028: "\\L",
    0x2029: "\\P",
    0xFEFF: "\\ufeff",
}

_NEEDS_ESCAPE = re.compile("[" + "".join(f"\\u{c:04x}" for c in sorted(_YAML_ESCAPES)) + "]")


def yaml_str(text: str) -> str:
    """Return ``text`` as a double-quoted YAML scalar that loads back unchanged.

    Escapes backslash, double quote, C0/C1 control characters, DEL, the
    Unicode line/paragraph separators and the BOM; everything else (accents,
    CJK, emoji) is written as raw UTF-8, which YAML allows in double quotes.
    """
    if _NEEDS_ESCAPE.search(text) is None:  # the common case; translate() is slow
        return '"' + text + '"'
    return '"' + text.translate(_YAML_ESCAPES) + '"'


# ---------------------------------------------------------------------------
# Per-seed vocabulary
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Provider:
    """A feed provider as it appears under ``provider:`` in a record."""

    name: str
    domain: str


@dataclass(frozen=True, slots=True)
class Vocab:
    """Everything shared by all records of one seed: the word banks they draw from."""

    seed: int
    providers: tuple[Provider, ...]
    provider_cum_weights: tuple[float, ...]
    topics: tuple[str, ...]
    topic_cum_weights: tuple[float, ...]
    sentences: tuple[str, ...]


def _cum_weights(n: int, exponent: float) -> tuple[float, ...]:
    """Cumulative Zipf weights ``1/rank**exponent`` for ``n`` ranks."""
    return tuple(itertools.accumulate(1.0 / (r**exponent) for r in range(1, n + 1)))


def _plural(noun: str) -> str:
    """English plural of one of the invented nouns (``agency`` -> ``agencies``)."""
    return noun[:-1] + "ies" if noun.endswith("y") else noun + "s"


def _sentence(rng: Random) -> str:
    """Invent one news-like sentence; ~8% contain an escaping/HTML stress fragment."""
    subject = rng.choice(
        (
            f"The {rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}",
            f"{rng.choice(_PEOPLE)}",
            f"{rng.choice(_ORGS)}",
            f"A {rng.choice(_NOUNS)} in {rng.choice(_PLACES)}",
        )
    )
    words = [subject, rng.choice(_VERBS)]
    words.append(f"{rng.choice(_ADJECTIVES)} {_plural(rng.choice(_NOUNS))}")
    words.extend(rng.choices(_FILLER, k=rng.randint(6, 16)))
    if rng.random() < 0.3:
        words.append(f"in {rng.choice(_PLACES)}")
    if rng.random() < 0.2:
        words.append(f"({rng.randint(2, 99)}% {_plural(rng.choice(_NOUNS))})")
    if rng.random() < 0.08:
        words.insert(rng.randint(1, len(words)), rng.choice(_SPECIALS).strip())
    if rng.random() < 0.1:
        words.insert(2, f"{rng.choice(_PLACES)}\u2019s")
    if rng.random() < 0.1:
        words.insert(len(words) - 2, "—")
    return " ".join(words) + rng.choice((".", ".", ".", ".", "!", "?"))


@functools.lru_cache(maxsize=8)
def vocab(seed: int) -> Vocab:
    """Build (once per seed) the providers, topic weights and sentence bank."""
    rng = Random(f"{seed}:vocab")
    providers: list[Provider] = []
    domains: set[str] = set()
    while len(providers) < 300:
        first, second = rng.sample(_PROVIDER_WORDS, 2)
        name = f"{first} {second} {rng.choice(_PROVIDER_SUFFIXES)}"
        domain = re.sub(r"[^a-z0-9]+", "", (first + second).lower()) + ".example"
        if rng.random() < 0.3:
            domain = "www." + domain
        if domain not in domains:
            domains.add(domain)
            providers.append(Provider(name, domain))
    return Vocab(
        seed=seed,
        providers=tuple(providers),
        provider_cum_weights=_cum_weights(len(providers), 0.8),
        topics=_ALL_TOPICS,
        topic_cum_weights=_cum_weights(len(_ALL_TOPICS), 1.1),
        sentences=tuple(_sentence(rng) for _ in range(5000)),
    )


# ---------------------------------------------------------------------------
# Record fields
# ---------------------------------------------------------------------------


def _record_rng(seed: int, i: int) -> Random:
    """The private random stream of record ``i``; its first draws are the core fields."""
    return Random(f"{seed}:{i}")


def _rfc3339(seconds: int) -> str:
    """Format POSIX seconds as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _slug(text: str) -> str:
    """URL path segment derived from a title (ASCII letters/digits and dashes)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].rstrip("-") or "item"


def _title(v: Vocab, rng: Random) -> str:
    """Invent a headline; ~6% carry a unicode/HTML stress fragment."""
    kind = rng.random()
    if kind < 0.4:
        title = (
            f"{rng.choice(_ORGS + _PEOPLE)} {rng.choice(_VERBS)} "
            f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} in {rng.choice(_PLACES)}"
        )
    elif kind < 0.7:
        title = (
            f"{rng.choice(_ADJECTIVES).capitalize()} {_plural(rng.choice(_NOUNS))}: "
            f"{rng.choice(_NOUNS).capitalize()} {rng.choice(_VERBS)} "
            f"{rng.choice(_ADJECTIVES)} {_plural(rng.choice(_NOUNS))}"
        )
    else:
        title = rng.choice(v.sentences).rstrip(".!?")
        if len(title) > 110:
            title = title[:110].rsplit(" ", 1)[0]
    if rng.random() < 0.06:
        words = title.split(" ")
        words.insert(rng.randint(0, len(words)), rng.choice(_SPECIALS).strip())
        title = " ".join(words)
    return title


def _excerpt(v: Vocab, rng: Random, k_min: int, k_max: int) -> str:
    """A few sentences from the bank, joined like a feed summary."""
    return " ".join(rng.choices(v.sentences, k=rng.randint(k_min, k_max)))


@dataclass(frozen=True, slots=True)
class Core:
    """The fields of a record that other records' related items may copy."""

    title: str
    excerpt: str
    seconds: int
    provider: Provider
    web_url: str


def _base_seconds(rng: Random) -> int:
    """Draw a publication time in 2020-2026 (first draw after the tie flag)."""
    return rng.randrange(_START, _END)


def _core(v: Vocab, rng: Random, i: int) -> Core:
    """Draw record ``i``'s core fields from the start of its random stream.

    ~2% of records reuse record ``i-1``'s base time to the second, so the
    corpus contains ordering ties.
    """
    tie = rng.random() < 0.02 and i > 0
    seconds = _base_seconds(rng)
    if tie:
        prev = _record_rng(v.seed, i - 1)
        prev.random()
        seconds = _base_seconds(prev)
    provider = rng.choices(v.providers, cum_weights=v.provider_cum_weights)[0]
    title = _title(v, rng)
    excerpt = _excerpt(v, rng, 3, 7)
    year = time.gmtime(seconds).tm_year
    web_url = f"https://{provider.domain}/{year}/{_slug(title)}-{i}"
    return Core(title, excerpt, seconds, provider, web_url)


def core(seed: int, i: int) -> Core:
    """Recompute the core fields of record ``i`` (e.g. to check a related link)."""
    return _core(vocab(seed), _record_rng(seed, i), i)


@dataclass(frozen=True, slots=True)
class Related:
    """One entry of a record's ``related:`` list."""

    title: str
    excerpt: str
    seconds: int | None
    web_url: str
    type: str
    provider: Provider
    quality: int
    image_url: str
    width: int
    height: int
    is_cached: bool


def _truncate(text: str, limit: int = 200) -> str:
    """Cut a related excerpt at ``limit`` characters, mid-word, like the real feeds."""
    return text[:limit].rstrip(" ") if len(text) > limit else text


def _image(rng: Random, slug: str, seconds: int) -> tuple[str, int, int, bool]:
    """Invent a CDN-style image for an article: (url, width, height, isCached)."""
    host = rng.choice(("cdn", "img", "static", "media"))
    width = rng.choice((320, 480, 640, 730, 800, 1024, 1200, 1600))
    height = rng.randint(width // 3, width)
    t = time.gmtime(seconds)
    url = (
        f"https://{host}{rng.randint(1, 9)}.images.example/wp-content/uploads/"
        f"{t.tm_year}/{t.tm_mon:02d}/{rng.getrandbits(32):08x}/{slug[:40]}.jpg"
    )
    return url, width, height, rng.random() < 0.9


def _new_related(v: Vocab, rng: Random, seconds: int, key: str) -> Related:
    """Invent a related article published around ``seconds``; ``key`` makes its URL unique."""
    provider = rng.choices(v.providers, cum_weights=v.provider_cum_weights)[0]
    title = _title(v, rng)
    excerpt = _truncate(_excerpt(v, rng, 1, 3))
    when = min(_END - 1, max(_START, seconds + rng.randint(-5 * 86400, 3 * 86400)))
    slug = _slug(title)
    url = f"https://{provider.domain}/{key}/{slug}"
    img = _image(rng, slug, when)
    return Related(title, excerpt, when, url, "article", provider, rng.randint(0, 100), *img)


@functools.lru_cache(maxsize=65536)
def _pool_related(seed: int, k: int) -> Related:
    """Pool entry ``k``: the same URL with the same fields wherever it is reused."""
    rng = Random(f"{seed}:pool:{k}")
    return _new_related(vocab(seed), rng, _base_seconds(rng), f"p/{k}")


def _related(v: Vocab, rng: Random, i: int, j: int, seconds: int) -> Related:
    """Draw related item ``j`` of record ``i``: pooled, a link to a record, or unique."""
    kind = rng.random()
    if kind < 0.30:
        # The pool grows with i so sharing stays frequent in small corpora
        # and moderate (a handful of uses per URL) at 100k records.
        item = _pool_related(v.seed, rng.randrange(40 + i // 8))
    elif kind < 0.35 and i > 0:
        other = core(v.seed, rng.randrange(i))
        img = _image(rng, other.web_url.rsplit("/", 1)[1], other.seconds)
        item = Related(
            other.title,
            _truncate(other.excerpt),
            other.seconds,
            other.web_url,
            "article",
            other.provider,
            rng.randint(0, 100),
            *img,
        )
    else:
        item = _new_related(v, rng, seconds, f"r/{i}-{j}")
    if rng.random() < 0.03:
        item = dataclasses.replace(item, seconds=None)
    return item


def _body(v: Vocab, rng: Random, provider: Provider) -> str:
    """A short Markdown body: a paragraph, a bullet list and a link."""
    bullets = "\n".join(f"- {s}" for s in rng.choices(v.sentences, k=rng.randint(2, 4)))
    return (
        f"{_excerpt(v, rng, 1, 3)}\n\n{bullets}\n\n"
        f"Read more at [{provider.name}](https://{provider.domain}/).\n"
    )


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


def _render_related(r: Related) -> str:
    """Render one ``related:`` list entry (6-space indented, like the real files)."""
    date = f"    publishedDateTime: {_rfc3339(r.seconds)}\n" if r.seconds is not None else ""
    return (
        f"  - title: {yaml_str(r.title)}\n"
        f"    excerpt: {yaml_str(r.excerpt)}\n"
        f"{date}"
        f"    webUrl: {yaml_str(r.web_url)}\n"
        f"    type: {r.type}\n"
        f"    provider:\n"
        f"      name: {yaml_str(r.provider.name)}\n"
        f"      domain: {yaml_str(r.provider.domain)}\n"
        f"    quality: {r.quality}\n"
        f"    images:\n"
        f"      - url: {yaml_str(r.image_url)}\n"
        f"        width: {r.width}\n"
        f"        height: {r.height}\n"
        f"        isCached: {'true' if r.is_cached else 'false'}\n"
    )


def render_record(seed: int, i: int) -> str:
    """Return the full text (front matter and optional body) of record ``i``.

    Depends only on ``(seed, i)``, never on the corpus size.
    """
    v = vocab(seed)
    rng = _record_rng(seed, i)
    c = _core(v, rng, i)

    original_url = c.web_url
    if rng.random() < 0.1:
        original_url = rng.choice(
            (
                f"{c.web_url}?utm_source=feed&utm_medium=rss",
                f"https://feeds.{c.provider.domain.removeprefix('www.')}/~r/{i}",
                f"http://{c.provider.domain}/?p={i}",
            )
        )
    rtype = "article" if rng.random() < 0.95 else rng.choice(("video", "podcast"))
    quality = rng.randint(0, 100)
    heat = min(100, -5 + int(rng.expovariate(1 / 12)))
    published = rng.random() >= 0.03

    n_topics = rng.choices((1, 2, 3), weights=(5, 3, 2))[0]
    topics = list(dict.fromkeys(rng.choices(v.topics, cum_weights=v.topic_cum_weights, k=n_topics)))
    topic_lines = [f"  - {yaml_str(t)}" for t in topics]
    if rng.random() < 0.01:
        # Replace the last topic by a YAML 1.1 special written unquoted.
        extra = rng.choice([t for t in YAML11_TRICKY_TOPICS if t not in topics])
        topic_lines[-1] = f"  - {extra}"

    n_related = rng.choices((0, 1, 2, 3, 4), weights=(5, 15, 30, 28, 22))[0]
    related = [_related(v, rng, i, j, c.seconds) for j in range(n_related)]

    raw = rng.randbytes(rng.choice((252, 255, 258)))
    secured = f"{base64.b64encode(raw).decode()};{base64.b64encode(rng.randbytes(16)).decode()}"
    body = _body(v, rng, c.provider) if rng.random() < 0.1 else ""

    parts = [
        "---\n",
        "category: news\n",
        f"title: {yaml_str(c.title)}\n",
        f"excerpt: {yaml_str(c.excerpt)}\n",
        f"publishedDateTime: {_rfc3339(c.seconds)}\n",
        f"originalUrl: {yaml_str(original_url)}\n",
        f"webUrl: {yaml_str(c.web_url)}\n",
        f"type: {rtype}\n",
        f"quality: {quality}\n",
        f"heat: {heat}\n",
        f"published: {'true' if published else 'false'}\n",
        "\nprovider:\n",
        f"  name: {yaml_str(c.provider.name)}\n",
        f"  domain: {yaml_str(c.provider.domain)}\n",
        "\ntopics:\n",
        "\n".join(topic_lines),
        "\n\n",
        "related:\n" + "".join(map(_render_related, related)) if related else "related: []\n",
        f"\nsecured: {yaml_str(secured)}\n",
        "---\n",
    ]
    if body:
        parts.append("\n" + body)
    return "".join(parts)


def record_path(dest: Path, i: int) -> Path:
    """Where record ``i`` lives under ``dest``: ``dest/<i % 256 as 2 hex>/<i:07d>.md``."""
    return dest / f"{i % N_SHARDS:02x}" / f"{i:07d}.md"


def write_corpus(dest: Path, n: int, seed: int = 0) -> list[Path]:
    """Write records ``0..n-1`` under ``dest`` and return their paths, sorted.

    Files are UTF-8 with ``\\n`` line endings; existing files are overwritten.
    """
    dest = Path(dest)
    for shard in range(min(n, N_SHARDS)):
        (dest / f"{shard:02x}").mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = record_path(dest, i)
        path.write_bytes(render_record(seed, i).encode("utf-8"))
        paths.append(path)
    return sorted(paths)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: ``corpus.py N DEST [--seed S]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("n", type=int, help="number of records")
    parser.add_argument("dest", type=Path, help="output directory")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    paths = write_corpus(args.dest, args.n, args.seed)
    elapsed = time.perf_counter() - start
    print(f"wrote {len(paths)} records to {args.dest} in {elapsed:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
