"""Record files to `Article`s: front matter parsed safely, every problem collected.

Loading never stops at the first problem: each file gives an article or problems (or
both, when the problems are warnings), and the caller decides what stops a build.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import unicodedata
from datetime import UTC, datetime
from functools import cache, lru_cache
from hashlib import blake2b
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin

from frontmatter.default_handlers import YAMLHandler

from feedpub.types import (
    Article,
    DigestRow,
    Image,
    Problem,
    Provider,
    Related,
    Severity,
)
from feedpub.yamltext import Document, Key, YamlError, parse_yaml

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

# Characters XML 1.0 forbids, which no feed may carry: C0 controls but tab, CR and LF,
# lone surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SPACES = re.compile(r"\s+")
_DATE_THEN_TIME = re.compile(r"(?:\d{4}-\d{2}-\d{2}|\d{8})(?:[Tt ]|\Z)")
# The shape nearly every record writes its dates in, always with a zone: ASCII alone,
# so text that matches is clean as it is.
_PLAIN_DATE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})\Z"
)
# An absolute http(s) URL: scheme, optional user info, a host (name or [IPv6]), an
# optional port, then anything without whitespace. The host must not be empty.
_WEB_URL = re.compile(
    r"(?i)https?://(?:[^\s/?#@]*@)?(?:\[[0-9a-f:.]+\]|[^\s/?#@:\[\]]+)(?::[0-9]*)?(?:[/?#]\S*)?\Z"
)
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9-]{1,63}$")
_HANDLER = YAMLHandler()
# What RFC 3986 allows in a URI besides letters and digits; anything else is escaped.
_URI_SAFE = "-._~:/?#[]@!$&'()*+,;=%"
# Possessive: a run of safe characters is taken whole, never tried again shorter.
_URI_OK = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]++|%[0-9A-Fa-f]{2})*+\Z")
_BARE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# A URL `is_web_url` accepts and `to_uri` leaves as it is, in one match (each match has
# a cost of its own): all of it `_URI_OK`, then the head `_WEB_URL` wants. Such text is
# ASCII without whitespace, so letters are matched in both cases by hand (under (?i),
# U+017F matches "s") and the rest need not be scanned for whitespace again.
_PLAIN_WEB_URL = re.compile(
    f"(?={_URI_OK.pattern})"
    r"[Hh][Tt][Tt][Pp][Ss]?://(?:[^/?#@]*+@)?(?:\[[0-9A-Fa-f:.]++\]|[^/?#@:\[\]]++)(?::[0-9]*+)?"
    r"(?:[/?#]|\Z)"
)
# Limits that keep one careless (or hostile) record from bloating every feed it is in.
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_TEXT = 1_000
MAX_EXCERPT = 5_000
MAX_URL = 2_048
MAX_BODY = 100_000
MAX_ITEMS = 100
# Feeds write four-digit years (RFC 822 as the RSS profile reads it), in UTC.
MIN_YEAR, MAX_YEAR = 1000, 9998
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}


def read_file(path: str) -> tuple[bytes, os.stat_result] | Problem:
    """The bytes of a record file and its stat, or the problem that stops it being read.

    Only a regular file is read: it is opened without waiting, as a FIFO or a device
    put where a record was listed would hang the read or never end. And never more than
    a record may hold is read, so a huge file costs no memory.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        return Problem(path, None, "", f"cannot read: {e.strerror or e}")
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return Problem(path, None, "", "skipped: not a regular file")
        if st.st_size > MAX_FILE_BYTES:
            return _too_large(path, st.st_size)
        return _read_to_end(fd, st.st_size, MAX_FILE_BYTES + 1), st
    except OSError as e:
        return Problem(path, None, "", f"cannot read: {e.strerror or e}")
    finally:
        os.close(fd)


def _read_to_end(fd: int, size: int, limit: int) -> bytes:
    """The bytes from `fd` to the end of its file, at most `limit` of them.

    One read of the `size` the file's stat gave, plus one byte: a buffered read of
    `limit` would allocate that much for every record. A file that holds more (it grew
    since, or its stat gives no size, as /proc's do) or less is read on to its end.
    """
    data = os.read(fd, min(size + 1, limit))
    if len(data) == size:  # fewer bytes than asked for: the end of the file
        return data
    parts = [data]
    total = len(data)
    while total < limit and (more := os.read(fd, min(limit - total, 1 << 16))):
        parts.append(more)
        total += len(more)
    return b"".join(parts)


def _too_large(path: str, size: int) -> Problem:
    limit = f"{size:,} bytes, more than the {MAX_FILE_BYTES:,} a record may have"
    return Problem(path, 1, "", f"file too large: {limit}")


def parse_record(path: str, data: bytes) -> tuple[Article | None, list[Problem]]:
    """Parse the bytes of one record file named `path`; pure, so it can run anywhere."""
    if len(data) > MAX_FILE_BYTES:
        return None, [_too_large(path, len(data))]
    split = _front_matter(path, data)
    if isinstance(split, Problem):
        return None, [split]
    front, front_utf8, body, offset = split
    try:
        doc = parse_yaml(front, front_utf8)
    except YamlError as e:
        line = offset + e.line if e.line else 1
        return None, [Problem(path, line, _dotted(e.key), e.message)]
    if not isinstance(doc.value, dict):
        what = "empty" if doc.value is None else f"{_kind(doc.value)}, not a mapping"
        return None, [Problem(path, offset + 1, "", f"front matter is {what}")]
    fields = _Fields(path, doc, offset)
    for key, line in doc.duplicates:
        fields.problems.append(
            Problem(
                path, offset + line, _dotted(key), "duplicate key; the last one is used", "warning"
            )
        )
    article = fields.article(body)
    fields.misspelt_keys()
    return article, sorted(fields.problems, key=lambda p: p.line or 0)


def _front_matter(path: str, data: bytes) -> tuple[str, bytes | None, str, int] | Problem:
    """A record's front matter (as text, and as UTF-8 when split from the bytes), its
    body and the front matter's line offset; or the problem that stops the record."""
    parts = _split_utf8(data.removeprefix(_UTF8_BOM))
    if parts is not None:
        front, body, offset = parts
        try:
            return front.decode("utf-8"), front, body.decode("utf-8"), offset
        except UnicodeDecodeError:
            pass  # the whole text's decoding says where
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        return Problem(path, line, "", f"not UTF-8 text (byte {e.start})")
    split = _split_front_matter(text.removeprefix("\ufeff"))
    if isinstance(split, str):
        return Problem(path, 1, "", split)
    return split[0], None, split[1], split[2]


def _split_front_matter(text: str) -> tuple[str, str, int] | str:
    """The front matter, the body and the line offset of the front matter, or why not.

    The split python-frontmatter's YAML handler makes (the text between its first two
    boundary lines), without running its line-anchored pattern over the whole text.
    """
    boundary = _HANDLER.FM_BOUNDARY
    assert boundary is not None
    start = boundary.match(text)
    if start is None:
        return "no front matter: a record starts with a line '---'"
    pos = start.end()
    while (found := text.find("\n---", pos)) >= 0:
        close = boundary.match(text, found + 1)
        if close is not None:
            offset = text.count("\n", 0, start.end())
            return text[start.end() : close.start()], text[close.end() :], offset
        pos = found + 1
    return "front matter is not closed by a line '---'"


# `_split_front_matter`'s boundary on UTF-8 bytes, where `\s` is ASCII whitespace only;
# and a boundary line where the text's `\s` (any Unicode space, and \x1c-\x1f) could
# match more: its run of spaces ends at a byte that may begin one of those.
_UTF8_BOM = "\ufeff".encode()
_BOUNDARY_UTF8 = (
    re.compile(rb"^-{3,}\s*$", re.MULTILINE)
    if _HANDLER.FM_BOUNDARY is not None and _HANDLER.FM_BOUNDARY.pattern == r"^-{3,}\s*$"
    else None  # pragma: no cover - another python-frontmatter: every split made on text
)
_UNICODE_SPACE_AFTER = re.compile(rb"-{3,}[ \t\n\r\f\v]*[\x1c-\x1f\xc2\xe1\xe2\xe3]")


def _split_utf8(data: bytes) -> tuple[bytes, bytes, int] | None:
    """`_split_front_matter` made on a record's UTF-8 bytes, so the front matter is not
    decoded and encoded again for the YAML parser; None where the text could be split
    otherwise (a boundary line followed by what may be a Unicode space), and where it
    is not split at all (the text's split says why)."""
    boundary = _BOUNDARY_UTF8
    if boundary is None or _UNICODE_SPACE_AFTER.match(data):
        return None
    start = boundary.match(data)
    if start is None:
        return None
    pos = start.end()
    while (found := data.find(b"\n---", pos)) >= 0:
        if _UNICODE_SPACE_AFTER.match(data, found + 1):
            return None
        close = boundary.match(data, found + 1)
        if close is not None:
            offset = data.count(b"\n", 0, start.end())
            return data[start.end() : close.start()], data[close.end() :], offset
        pos = found + 1
    return None


class _Fields:
    """Converts front matter values by the record schema, collecting problems.

    Each converter is given the value as written and where it was written: `at`, the
    key of the mapping or list that holds it, and `name`, its key there. A value that
    needs nothing but a few checks costs nothing more; the full key is put together,
    and the line looked up, only for a problem.
    """

    def __init__(self, path: str, doc: Document, offset: int) -> None:
        self.path = path
        self.doc = doc
        self.offset = offset
        self.problems: list[Problem] = []
        self.front: dict[str, Any] = doc.value if isinstance(doc.value, dict) else {}

    def report(self, key: Key, message: str, severity: Severity = "error") -> None:
        line = self.doc.line(*key)
        self.problems.append(
            Problem(self.path, self.offset + line if line else 1, _dotted(key), message, severity)
        )

    # --- scalars -------------------------------------------------------------

    def text(
        self,
        value: Any,
        at: Key,
        name: str | int,
        required: bool = False,
        severity: Severity = "warning",
        limit: int = MAX_TEXT,
    ) -> str:
        # Printable text without a double space is clean but for its ends (see
        # `clean_text`): nearly every value, at the cost of these few checks.
        if (
            value.__class__ is str
            and len(value) <= limit
            and value.isprintable()
            and "  " not in value
            and (cleaned := value.strip())
        ):
            return cleaned
        return self._text(value, at, name, required, severity, limit)

    def _text(
        self, value: Any, at: Key, name: str | int, required: bool, severity: Severity, limit: int
    ) -> str:
        """`text` for any value: every check made, every problem reported."""
        key = (*at, name)
        if value is None:
            if required:
                self.report(key, "required", "error")
            return ""
        if not isinstance(value, str):
            self.report(key, f"must be text, not {_kind(value)}", "error" if required else severity)
            return ""
        cleaned = clean_text(value)
        if required and not cleaned:
            self.report(key, "must not be empty", "error")
        if len(cleaned) > limit:
            self.report(key, f"longer than {limit:,} characters, cut", "warning")
            cleaned = cleaned[: limit - 1].rstrip() + "\u2026"
        return cleaned

    def url(
        self,
        value: Any,
        at: Key,
        name: str,
        required: bool = False,
        severity: Severity = "warning",
    ) -> str:
        # A web URL of URI characters alone is clean text and its own URI: nearly every one.
        if value.__class__ is str and len(value) <= MAX_URL and _PLAIN_WEB_URL.match(value):
            return value
        return self._url(value, at, name, required, severity)

    def _url(self, value: Any, at: Key, name: str, required: bool, severity: Severity) -> str:
        """`url` for any value: every check made, every problem reported."""
        text = self.text(value, at, name, required, severity, MAX_URL + 1)
        if not text:
            return ""
        if len(text) > MAX_URL or not is_web_url(text):
            if required:
                message = f"not an absolute http(s) URL: {_show(text)}"
            else:
                message = f"not an absolute http(s) URL, dropped: {_show(text)}"
            self.report((*at, name), message, severity)
            return ""
        return to_uri(text)

    def date(
        self,
        value: Any,
        at: Key,
        name: str,
        required: bool = False,
        severity: Severity = "error",
    ) -> datetime | None:
        # A date written in the usual shape, with its zone, and in range: nearly every one.
        if value.__class__ is str and _PLAIN_DATE.match(value):
            try:
                written = datetime.fromisoformat(value)
                utc = written.astimezone(UTC) if written.tzinfo is not None else None
            except (ValueError, OverflowError):
                utc = None
            if utc is not None and MIN_YEAR <= utc.year <= MAX_YEAR:
                return utc
        return self._date(value, at, name, required, severity)

    def _date(
        self, value: Any, at: Key, name: str, required: bool, severity: Severity
    ) -> datetime | None:
        """`date` for any value: every check made, every problem reported."""
        text = self.text(value, at, name, required, severity)
        if not text:
            return None
        try:
            # fromisoformat takes any character between date and time; ISO 8601 a T.
            if not _DATE_THEN_TIME.match(text):
                raise ValueError(text)
            written = datetime.fromisoformat(text)
        except ValueError:
            self.report((*at, name), f"not a date: {_show(text)}", severity)
            return None
        try:
            utc = written.replace(tzinfo=UTC) if written.tzinfo is None else written.astimezone(UTC)
        except OverflowError:
            utc = None
        # The year is checked in UTC, the zone feeds write in: 1000-01-01T00:00+14:00
        # is in the year 999 there.
        if utc is None or not MIN_YEAR <= utc.year <= MAX_YEAR:
            message = f"not a date from {MIN_YEAR} to {MAX_YEAR} in UTC: {_show(text)}"
            self.report((*at, name), message, severity)
            return None
        if written.tzinfo is None:
            self.report((*at, name), "no time zone, taken as UTC", "warning")
        return utc

    def integer(self, value: Any, at: Key, name: str) -> int | None:
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        self.report((*at, name), f"not a whole number, dropped: {_show(value)}", "warning")
        return None

    def flag(self, value: Any, at: Key, name: str, default: bool) -> bool:
        if value is None:
            return default
        if isinstance(value, str) and (value in _TRUE or value in _FALSE):
            return value in _TRUE
        self.report((*at, name), f"must be true or false: {_show(value)}")
        return default

    # --- structures ----------------------------------------------------------

    def items(self, value: Any, key: Key, what: str) -> range:
        """Indexes of `value`, the list at `key`; anything else is reported and gives none."""
        if isinstance(value, list):
            if len(value) <= MAX_ITEMS:
                return range(len(value))
            self.report(key, f"more than {MAX_ITEMS} {what}, only the first kept", "warning")
            return range(MAX_ITEMS)
        if value is not None:
            self.report(key, f"must be a list of {what}, not {_kind(value)}, ignored", "warning")
        return range(0)

    def provider(self, value: Any, at: Key, required: bool) -> Provider | None:
        # Records name the same few hundred providers again and again: a domain and name
        # that gave a provider without a problem give the same one when written again.
        written = _provider_written(value)
        if written is not None and (known := _PROVIDERS.get(written)) is not None:
            return known
        before = len(self.problems)
        provider = self._provider(value, at, required)
        if written is not None and provider is not None and len(self.problems) == before:
            if len(_PROVIDERS) >= _PROVIDERS_KEPT:
                _PROVIDERS.clear()
            _PROVIDERS[written] = provider
        return provider

    def _provider(self, value: Any, at: Key, required: bool) -> Provider | None:
        """`provider` for any value: every check made, every problem reported."""
        key = (*at, "provider")
        severity: Severity = "error" if required else "warning"
        if value is None:
            if required:
                self.report(key, "required: a mapping with name and domain")
            return None
        if not isinstance(value, dict):
            self.report(
                key, f"must be a mapping with name and domain, not {_kind(value)}", severity
            )
            return None
        raw = self.text(value.get("domain"), key, "domain", required, severity)
        if not raw:
            if not required:
                self.report(
                    (*key, "domain"), "required for a provider, provider dropped", "warning"
                )
            return None
        domain = normalise_domain(raw)
        if domain is None:
            self.report((*key, "domain"), f"not a domain name: {_show(raw)}", severity)
            return None
        name = self.text(value.get("name"), key, "name")
        if not name:
            self.report((*key, "name"), "missing, the domain is used as the name", "warning")
        return Provider(name or domain, domain)

    def images(self, value: Any, at: Key) -> tuple[Image, ...]:
        key = (*at, "images")
        images = []
        for i in self.items(value, key, "images"):
            item = value[i]
            where = (*key, i)
            if not isinstance(item, dict):
                self.report(where, "an image must be a mapping with url, width, height", "warning")
                continue
            url = self.url(item.get("url"), where, "url")
            if url:
                width = self.integer(item.get("width"), where, "width")
                images.append(Image(url, width, self.integer(item.get("height"), where, "height")))
            elif item.get("url") is None:
                self.report((*where, "url"), "missing, image dropped", "warning")
        return tuple(images)

    def topics(self, value: Any) -> tuple[str, ...]:
        key: Key = ("topics",)
        if isinstance(value, str):
            self.report(key, "one topic where a list was expected, taken as a list", "warning")
            names = [self.text(value, (), "topics")]
        else:
            names = [self.text(value[i], key, i) for i in self.items(value, key, "topics")]
        topics: dict[str, str] = {}
        for i, name in enumerate(names):
            if name:
                topics.setdefault(topic_key(name), name)
            elif isinstance(value, list) and isinstance(value[i], str):
                self.report((*key, i), "empty topic, dropped", "warning")
        return tuple(topics.values())

    def related(self, value: Any) -> tuple[Related, ...]:
        related = []
        for i in self.items(value, ("related",), "related items"):
            item = value[i]
            at = ("related", i)
            if not isinstance(item, dict):
                self.report(at, "a related item must be a mapping, item skipped", "warning")
                continue
            title = self.text(item.get("title"), at, "title")
            url = self.url(item.get("webUrl"), at, "webUrl")
            if not title or not url:
                missing = "webUrl" if not url else "title"
                self.report((*at, missing), "no usable value, related item skipped", "warning")
                continue
            related.append(
                Related(  # the fields in order: positional arguments cost less
                    title,
                    url,
                    self.date(
                        item.get("publishedDateTime"), at, "publishedDateTime", False, "warning"
                    ),
                    self.text(item.get("excerpt"), at, "excerpt", False, "warning", MAX_EXCERPT),
                    self.text(item.get("type"), at, "type") or None,
                    self.provider(item.get("provider"), at, False),
                    self.integer(item.get("quality"), at, "quality"),
                    self.images(item.get("images"), at),
                )
            )
        return tuple(related)

    def body(self, body: str) -> str:
        if len(body) > MAX_BODY:
            message = f"longer than {MAX_BODY:,} characters, cut"
            # The body begins after the front matter's lines and its closing `---`; counted
            # only here, for the few records whose body is too long.
            line = self.offset + self.doc.text.count("\n") + 2
            self.problems.append(Problem(self.path, line, "body", message, "warning"))
            body = body[:MAX_BODY]
        body = body.replace("\r\n", "\n").replace("\r", "\n")  # the same body, any line ending
        return _NOT_XML.sub("", body).strip()

    def misspelt_keys(self) -> None:
        """Warn of each unknown key that looks like a known one misspelt; the others
        stay silent, as the README promises."""
        if self.front.keys() <= RECORD_KEYS:  # nearly every record: one comparison, in C
            return
        for key in self.front:
            if key in RECORD_KEYS:
                continue
            known = close_key(key) if isinstance(key, str) else None
            if known is not None:
                self.report((key,), f"unknown key; did you mean {known!r}?", "warning")

    def article(self, body: str) -> Article | None:
        get = self.front.get
        title = self.text(get("title"), (), "title", required=True)
        web_url = self.url(get("webUrl"), (), "webUrl", required=True, severity="error")
        published_at = self.date(get("publishedDateTime"), (), "publishedDateTime", True)
        provider = self.provider(get("provider"), (), required=True)
        original_url = self.url(get("originalUrl"), (), "originalUrl")
        article = Article(
            path=self.path,
            title=title,
            web_url=web_url,
            published_at=published_at or datetime.min.replace(tzinfo=UTC),
            provider=provider or Provider("", ""),
            excerpt=self.text(get("excerpt"), (), "excerpt", limit=MAX_EXCERPT),
            original_url=original_url if original_url and original_url != web_url else None,
            category=self.text(get("category"), (), "category") or None,
            type=self.text(get("type"), (), "type") or None,
            quality=self.integer(get("quality"), (), "quality"),
            heat=self.integer(get("heat"), (), "heat"),
            published=self.flag(get("published"), (), "published", True),
            topics=self.topics(get("topics")),
            related=self.related(get("related")),
            images=self.images(get("images"), ()),
            body=self.body(body),
        )
        if any(p.is_error for p in self.problems):
            return None
        return article


# Providers converted without a problem, by the (domain, name) written: see `provider`.
_PROVIDERS: dict[tuple[str, str], Provider] = {}
_PROVIDERS_KEPT = 4096


def _provider_written(value: Any) -> tuple[str, str] | None:
    """The domain and name of a provider mapping, when both are text: its key in `_PROVIDERS`."""
    if value.__class__ is dict:
        domain, name = value.get("domain"), value.get("name")
        if domain.__class__ is str and name.__class__ is str:
            return domain, name
    return None


# The top-level keys of a record: those `_Fields.article` reads, and `secured`, which is
# read by nobody (it is never stored) but is no misspelling.
RECORD_KEYS = frozenset({
    "title", "excerpt", "publishedDateTime", "webUrl", "originalUrl", "category", "type",
    "quality", "heat", "published", "provider", "topics", "related", "images", "secured",
})  # fmt: skip
_FOLDED_KEYS = {key.casefold(): key for key in RECORD_KEYS}


@lru_cache(maxsize=1024)
def close_key(key: str) -> str | None:
    """The known key `key` looks like a misspelling of (`webURL`, `topic`), or None."""
    folded = key.casefold()
    if folded in _FOLDED_KEYS:
        return _FOLDED_KEYS[folded]
    # 0.85: close enough for a missing letter or a dropped suffix ("publishedDate"),
    # far enough that words of their own ("author", "summary") stay unknown and silent.
    near = difflib.get_close_matches(folded, list(_FOLDED_KEYS), n=1, cutoff=0.85)
    return _FOLDED_KEYS[near[0]] if near else None


def digest_of(article: Article) -> DigestRow:
    """What grouping needs of an article, as the plain tuples the record store keeps.

    URLs appear only as their 64-bit `url_key`s; the full `Article` stays in the record
    store and is fetched again only for the entries that make it into a feed.
    """
    return (
        url_key(article.web_url),
        article.published_at.timestamp(),
        article.published,
        article.provider.domain,
        article.provider.name,
        article.topics,
        article.type,
        article.category,
        article.quality,
        tuple(
            (
                url_key(r.web_url),
                r.published_at.timestamp() if r.published_at else None,
                r.provider.domain if r.provider else None,
                r.provider.name if r.provider else None,
            )
            for r in article.related
        ),
    )


def url_key(url: str) -> int:
    """A URL's 64-bit key: grouping compares these, not the strings.

    Two of a million distinct URLs share a key with a chance of about 3 in 100 million.
    """
    return int.from_bytes(blake2b(url.encode("utf-8"), digest_size=8).digest(), "little")


# --- helpers shared with later stages -------------------------------------------


def clean_text(value: str) -> str:
    """Text safe for any feed: no XML-forbidden characters, whitespace collapsed."""
    # Every character the cleaning removes or collapses is one isprintable() refuses
    # (controls, surrogates, noncharacters, every space but " "), so printable text
    # without a double space is already clean: the common case, at a fraction of the cost.
    if value.isprintable() and "  " not in value:
        return value.strip()
    return _SPACES.sub(" ", _NOT_XML.sub("", value)).strip()


def to_uri(url: str) -> str:
    """`url` as RFC 3986 allows it: non-ASCII and other unsafe characters percent-encoded
    as UTF-8 (RFC 3987 section 3.1), and a `%` that starts no escape written `%25`."""
    if _URI_OK.match(url):
        return url  # nearly every URL, at the cost of one match
    return quote(_BARE_PERCENT.sub("%25", url), safe=_URI_SAFE)


def topic_key(name: str) -> str:
    """What makes two topic names the same topic: case and spacing do not count."""
    return unicodedata.normalize("NFKC", name).casefold()


def is_sound(article: Article) -> bool:
    """Whether an article read back from a cache is one `parse_record` could have made:
    every URL http(s), every text free of what XML forbids. A store is input too."""
    urls = [article.web_url, article.original_url or "", *(i.url for i in article.images)]
    texts = [article.title, article.excerpt, article.body, article.provider.name]
    texts += [*article.topics, article.category or "", article.type or ""]
    for item in article.related:
        urls += [item.web_url, *(i.url for i in item.images)]
        texts += [item.title, item.excerpt, item.type or ""]
        texts += [item.provider.name] if item.provider else []
    # One search over all the texts, joined by a character XML allows, costs far less
    # than one search each: this runs for every article a feed holds.
    return all(is_web_url(url) for url in urls if url) and not _NOT_XML.search("\n".join(texts))


def is_web_url(text: str) -> bool:
    """True for an absolute http or https URL with a host and no spaces."""
    return _WEB_URL.match(text) is not None


@lru_cache(maxsize=4096)  # records name the same few hundred providers again and again
def normalise_domain(text: str) -> str | None:
    """A provider domain in one spelling: lower case, IDNA, no trailing dot; None if invalid."""
    domain = text.strip().rstrip(".").lower()
    if domain.startswith("www.") and "." in domain[4:]:
        domain = domain[4:]  # the same provider with or without www.
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return domain if _DOMAIN.match(domain) else None


@cache
def _markdown() -> MarkdownIt:
    """markdown-it that parses every link, so `render_markdown` decides about each.

    markdown-it refuses `javascript:`, `data:` and a few other links by leaving the whole
    `[text](url)` as text; parsed, such a link keeps its text and loses its target, like
    any other link that is not http(s). It is imported here, on first use: a build that
    renders nothing does not pay for importing it.
    """
    from markdown_it import MarkdownIt

    class _Markdown(MarkdownIt):
        def validateLink(self, url: str) -> bool:
            return True

    return _Markdown("commonmark", {"html": False})


def render_markdown(body: str, base_url: str) -> str:
    """The body as HTML: raw HTML is shown as text, relative links made absolute."""
    body = _NOT_XML.sub("", body).strip()
    if not body:
        return ""
    md = _markdown()
    tokens = md.parse(body)
    # Links and images are children of inline tokens, and links do not nest, so one pass
    # over each list of children can drop a link's opening and closing tokens together.
    for inline in tokens:
        unlinking = False
        for token in inline.children or ():
            if token.type == "link_close" and unlinking:
                token.type, token.tag, token.content = "text", "", ""
                unlinking = False
                continue
            attr = {"link_open": "href", "image": "src"}.get(token.type)
            if attr is None:
                continue
            url = urljoin(base_url, str(token.attrGet(attr) or ""))
            if is_web_url(url):
                token.attrSet(attr, url)
            elif token.type == "image":  # not a web image: keep its description as text
                token.type, token.content, token.children = "text", token.content, None
            else:  # not a web link (mailto:, ftp:, ...): keep its text, drop the link
                token.type, token.tag, token.content = "text", "", ""
                unlinking = True
    return str(md.renderer.render(tokens, md.options, {}))


def _dotted(key: Key) -> str:
    return ".".join(f"[{k}]" if isinstance(k, int) else k for k in key).replace(".[", "[")


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "text"


def _show(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"
