"""load: record files to Articles, every problem collected, nothing unsafe let through."""

from __future__ import annotations

import copy
import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lxml.html
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA, article, load_articles, record_text
from feedpub import Config, ConfigError, load
from feedpub.build import check
from feedpub.load import (
    _HANDLER,
    _split_front_matter,
    _split_utf8,
    clean_text,
    parse_record,
    read_file,
    render_markdown,
)
from feedpub.source import scan_record_paths
from feedpub.types import Article, Problem

INVALID = DATA / "invalid"
CASES = sorted(p.name for p in INVALID.glob("*.md"))
SECRET = article(0)["secured"]

HEAD = """\
---
title: A record
webUrl: https://news.example/a/1
publishedDateTime: 2026-01-02T10:00:00Z
provider:
  name: News Example
  domain: news.example
"""  # seven lines: the next key is on line 8


def parse(text: str | bytes, path: str = "seeds/x.md") -> tuple[Article | None, list[Problem]]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_record(path, data)


def load_one(text: str | bytes) -> Article:
    """The article of a record that must load without any problem."""
    loaded, problems = parse(text)
    assert problems == []
    assert loaded is not None
    return loaded


# --- bad input, one file pair per case ------------------------------------------------


@pytest.mark.parametrize("name", CASES)
def test_invalid_record_gives_exactly_the_expected_problems(name: str) -> None:
    data = (INVALID / name).read_bytes()
    expected = (INVALID / name).with_suffix(".expected.txt").read_text(encoding="utf-8")
    loaded, problems = parse_record(f"invalid/{name}", data)
    assert [str(p) for p in problems] == expected.splitlines()
    # An error means no article; warnings alone leave a usable one.
    assert (loaded is None) == any(p.is_error for p in problems)


def test_every_invalid_case_has_its_expected_problems() -> None:
    assert len(CASES) >= 20
    expected = {p.name.removesuffix(".expected.txt") for p in INVALID.glob("*.expected.txt")}
    assert expected == {name.removesuffix(".md") for name in CASES}
    for name in CASES:
        text = (INVALID / name).with_suffix(".expected.txt").read_text(encoding="utf-8")
        assert text.strip(), f"{name}: no expected problem"


# --- YAML 1.1 words, BOM, line endings -------------------------------------------------


@pytest.mark.parametrize("title", ["No", "1e3", "2020", "On", "yes", "0x1F", "null!", "12:30"])
def test_title_written_as_a_yaml_11_word_stays_that_text(title: str) -> None:
    text = HEAD.replace("title: A record", f"title: {title}") + "---\n"
    assert load_one(text).title == title


def test_topics_and_provider_written_as_yaml_11_words_stay_that_text() -> None:
    text = HEAD.replace("name: News Example", "name: Yes") + (
        "topics:\n  - On\n  - 2020\n  - 1e3\n  - off\ncategory: No\ntype: 1.0\n---\n"
    )
    loaded = load_one(text)
    assert loaded.topics == ("On", "2020", "1e3", "off")
    assert loaded.provider.name == "Yes"
    assert loaded.category == "No"
    assert loaded.type == "1.0"


@pytest.mark.parametrize(
    ("written", "published"), [("true", True), ("false", False), ("False", False), (None, True)]
)
def test_published_flag_is_read_by_the_schema(written: str | None, published: bool) -> None:
    line = f"published: {written}\n" if written is not None else ""
    assert load_one(HEAD + line + "---\n").published is published


def test_byte_order_mark_is_accepted() -> None:
    plain = load_one(HEAD + "---\nBody.\n")
    with_bom = load_one(b"\xef\xbb\xbf" + (HEAD + "---\nBody.\n").encode())
    assert with_bom == plain
    assert with_bom.title == "A record"


def test_byte_order_mark_keeps_line_numbers() -> None:
    _, problems = parse(b"\xef\xbb\xbf" + (HEAD + "topics: AI\n---\n").encode())
    assert [(p.line, p.field) for p in problems] == [(8, "topics")]


CRLF_RECORD = """\
---
title: A record
webUrl: https://news.example/a/1
publishedDateTime: 2026-01-02T10:00:00
provider:
  name: News Example
  domain: news.example
topics: AI
related:
  - title: No link
excerpt: First.
excerpt: Second.
---
Line one
line two.
"""


def test_crlf_record_loads_with_the_right_lines() -> None:
    loaded, problems = parse(CRLF_RECORD.replace("\n", "\r\n"))
    assert [str(p) for p in problems] == [  # in line order
        "seeds/x.md:4: publishedDateTime: warning: no time zone, taken as UTC",
        "seeds/x.md:8: topics: warning: one topic where a list was expected, taken as a list",
        "seeds/x.md:10: related[0].webUrl: warning: no usable value, related item skipped",
        "seeds/x.md:12: excerpt: warning: duplicate key; the last one is used",
    ]
    assert loaded is not None
    assert loaded == parse(CRLF_RECORD)[0]
    assert "\r" not in render_markdown(loaded.body, loaded.web_url)
    assert loaded.excerpt == "Second."


def test_crlf_record_with_a_yaml_error_names_its_line() -> None:
    text = HEAD + "excerpt: a: b\n---\n"
    assert [str(p) for p in parse(text.replace("\n", "\r\n"))[1]] == [
        "seeds/x.md:8: invalid YAML: mapping values are not allowed in this context"
    ]


UNCLOSED = """\
---
title: A record
excerpt: {q}Unclosed, and the next quote is lines later
webUrl: https://news.example/a/1
publishedDateTime: 2026-01-02T10:00:00Z
provider:
  name: {q}News Example{q}
  domain: news.example
---
"""


@pytest.mark.parametrize("quote", ['"', "'"])
def test_an_unclosed_quote_is_reported_at_the_line_it_opens(quote: str) -> None:
    loaded, problems = parse(UNCLOSED.format(q=quote))
    assert loaded is None
    assert [(p.line, p.field) for p in problems] == [(3, "")]
    assert "quoted value starting here runs over 5 lines" in problems[0].message


@pytest.mark.parametrize("quote", ['"', "'"])
def test_an_unclosed_quote_at_the_end_is_reported_at_the_line_it_opens(quote: str) -> None:
    text = HEAD.replace("title: A record", f"title: {quote}Unclosed") + "---\n"
    assert [(p.line, p.field) for p in parse(text)[1]] == [(2, "")]


@pytest.mark.parametrize(
    "written",
    [
        "1000-01-01T00:00:00+14:00",  # 0999-12-31T10:00Z
        "9998-12-31T23:59:59-14:00",  # 9999-01-01T13:59:59Z
        "0001-01-01T00:00:00+01:00",  # before datetime.min in UTC
        "9999-12-31T23:59:59-01:00",  # after datetime.max in UTC
    ],
)
def test_a_date_is_range_checked_in_utc(written: str) -> None:
    text = HEAD.replace("2026-01-02T10:00:00Z", written) + (
        f"related:\n  - title: R\n    webUrl: https://o.example/\n"
        f"    publishedDateTime: {written}\n"
        "---\n"
    )
    loaded, problems = parse(text)
    assert loaded is None
    assert [(p.line, p.field, p.severity) for p in problems] == [
        (4, "publishedDateTime", "error"),
        (11, "related[0].publishedDateTime", "warning"),
    ]
    assert all("not a date from 1000 to 9998 in UTC" in p.message for p in problems)


@pytest.mark.parametrize("written", ["1000-01-01T14:00:00+14:00", "9998-12-31T23:59:59+05:00"])
def test_a_date_at_the_edge_of_the_range_in_utc_is_kept(written: str) -> None:
    text = HEAD.replace("2026-01-02T10:00:00Z", written) + (
        f"related:\n  - title: R\n    webUrl: https://o.example/\n"
        f"    publishedDateTime: {written}\n"
        "---\n"
    )
    loaded = load_one(text)
    assert loaded.published_at == datetime.fromisoformat(written).astimezone(UTC)
    assert loaded.related[0].published_at == loaded.published_at
    assert f"{loaded.published_at.year:04d}" == str(loaded.published_at.year)


# --- what a loaded article holds -------------------------------------------------------


def test_secured_is_never_kept() -> None:
    loaded = load_one(record_text(article(1)))
    assert "secured" not in {f.name for f in dataclasses.fields(Article)}
    assert not hasattr(loaded, "secured")
    assert SECRET not in repr(loaded)


def test_secured_appears_in_no_problem() -> None:
    fields = article(1, title=["not", "text"], topics="AI")
    text = record_text(fields).replace("---\n", f"---\nsecured: {SECRET}x\n", 1)
    loaded, problems = parse(text)
    assert loaded is None
    assert any(p.field == "secured" for p in problems)  # the duplicate key is reported...
    assert not any(SECRET in str(p) for p in problems)  # ...without its value


HIDDEN = "hidden-c2VjcmV0"  # a part of a secured value, which nothing may show


@pytest.mark.parametrize(
    "front",
    [
        # A duplicate key under secured: the key is part of the secured value.
        f"secured: {{{HIDDEN}: 1, {HIDDEN}: 2}}\n",
        f"secured:\n  {HIDDEN}: 1\n  {HIDDEN}: 2\n",
        # A tag or a bad key under secured.
        f"secured: !{HIDDEN} x\n",
        f"secured: {{a: !{HIDDEN} x}}\n",
        f"secured: [{{[{HIDDEN}]: x}}]\n",
        # An alias copies the secured text into a field that is published or quoted.
        f"secured: &s {HIDDEN}\ntitle: *s\n",
        f"secured: &s {{domain: '{HIDDEN}!', name: x}}\nprovider: *s\n",
        f"secured: [&s {HIDDEN}]\nrelated:\n  - title: *s\n    webUrl: https://o.example/\n",
        f"secured: {{&k {HIDDEN}: 1}}\n*k : 2\n*k : 3\n",
    ],
)
def test_nothing_under_secured_reaches_a_problem_or_an_article(front: str) -> None:
    text = HEAD.replace("title: A record\n", "") + front + "title: A record\n---\n"
    if "\ntitle: *s" in front:
        text = text.replace("title: A record\n---", "---")
    loaded, problems = parse(text)
    assert problems  # each is reported...
    assert not any(HIDDEN in str(p) or HIDDEN in p.field for p in problems)  # ...without it
    assert HIDDEN not in repr(loaded)


def test_an_alias_to_a_secured_value_is_an_error_naming_the_field() -> None:
    text = HEAD.replace("title: A record", "title: *s").replace("---\n", "---\nsecured: &s x\n", 1)
    loaded, problems = parse(text + "---\n")
    assert loaded is None
    assert [(p.line, p.field, p.is_error) for p in problems] == [(2 + 1, "title", True)]


def test_an_alias_to_another_value_is_still_followed() -> None:
    text = HEAD.replace("title: A record", "title: &t A record") + "excerpt: *t\n---\n"
    assert load_one(text).excerpt == "A record"


BODY = """\
Intro <script>alert(1)</script> and <b onclick="x()">bold</b>.

[relative](../b/c) ![picture](pic.png) [absolute](https://other.example/x)
[bad](javascript:alert(1)) [worse](JaVaScRiPt:alert(2)) <javascript:alert(3)>
[data](data:text/html;base64,PHNjcmlwdD4=) ![img](javascript:alert(4))
[mail](mailto:desk@news.example) [files](ftp://news.example/f) ![scan](ftp://news.example/s.png)
"""


def test_markdown_body_is_rendered_safely() -> None:
    loaded = load_one(HEAD + "---\n" + BODY)
    html = render_markdown(loaded.body, loaded.web_url)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html
    assert "<b " not in html
    tree = lxml.html.fragment_fromstring(html, create_parent="div")
    assert tree.xpath("//script | //*[@onclick]") == []
    links = tree.xpath("//a/@href")
    sources = tree.xpath("//img/@src")
    assert links == ["https://news.example/b/c", "https://other.example/x"]
    assert sources == ["https://news.example/a/pic.png"]
    text = tree.text_content()
    assert "bad" in text and "worse" in text and "data" in text  # unlinked, text kept
    assert "mail" in text and "files" in text and "scan" in text


@pytest.mark.parametrize(
    "link",
    [
        "[bad](javascript:alert(1))",
        "[bad](JaVaScRiPt:alert(1))",
        "[bad](vbscript:msgbox(1))",
        "[bad](data:text/html;base64,PHNjcmlwdD4=)",
        "[bad](file:///etc/passwd)",
        "![bad](javascript:alert(1))",
        "[bad](<javascript:alert(1)> 'a title')",
    ],
)
def test_a_link_markdown_it_refuses_keeps_its_text_and_loses_the_link(link: str) -> None:
    html = render_markdown(f"Before {link} after.", "https://news.example/a/1")
    assert html == "<p>Before bad after.</p>\n"


def test_many_non_web_links_in_a_body_do_not_hang() -> None:
    code = (
        "import sys; from feedpub.load import render_markdown; "
        "html = render_markdown('[a](ftp:x) ' * 8000, 'https://news.example/'); "  # 88 kB
        "sys.exit(0 if '<a ' not in html and html.count('a') >= 8000 else 1)"
    )
    # A hang guard far above the second this takes when linear, not a benchmark; a
    # subprocess, so a hang is killed rather than left running beside the other tests.
    try:
        done = subprocess.run([sys.executable, "-c", code], timeout=10, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("rendering 8,000 non-web links took over 10 s")
    assert done.returncode == 0


@pytest.mark.parametrize(
    "head",
    [HEAD, HEAD.replace("---\n", "---\n# a\n\n", 1), "\ufeff" + HEAD, HEAD.replace("\n", "\r\n")],
)
def test_a_body_too_long_is_cut_and_reported_on_its_first_line(head: str) -> None:
    """The body begins on the line after the closing `---` (line 9 after HEAD's seven)."""
    extra = head.count("\n") - HEAD.count("\n")
    loaded, problems = parse(head + "---\n" + "x" * (load.MAX_BODY + 5))
    assert loaded is not None and len(loaded.body) == load.MAX_BODY - 1  # less its line feed
    assert [(p.line, p.field) for p in problems] == [(9 + extra, "body")]


def test_blank_body_gives_no_content() -> None:
    assert load_one(HEAD + "---\n \n\n").body == ""  # grouping renders no content for it


@pytest.mark.parametrize("field", ["title", "excerpt"])
def test_control_characters_are_stripped(field: str) -> None:
    value = "Breaking\x00 news\x07 \ufffe\uffff today\x1b\x0b  \n\t  again"
    loaded = load_one(record_text(article(1, **{field: value})))
    assert getattr(loaded, field) == "Breaking news today again"


def test_control_characters_written_as_yaml_escapes_are_stripped() -> None:
    text = HEAD.replace("title: A record", r'title: "A\0B\aC\uFFFED\x1bE\uFFFF"') + (
        'excerpt: "one\\0two"\nrelated:\n  - {title: "R\\x01S", webUrl: "https://o.example/\\x7f"}\n'
        "---\n"
    )
    loaded = load_one(text)
    assert loaded.title == "ABCDE"
    assert loaded.excerpt == "onetwo"
    assert loaded.related[0].title == "RS"


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("2026-01-02T10:00:00Z", datetime(2026, 1, 2, 10, 0, tzinfo=UTC)),
        ("2026-01-02T10:00:00+02:00", datetime(2026, 1, 2, 8, 0, tzinfo=UTC)),
        ("2026-01-02T01:30:00-05:30", datetime(2026, 1, 2, 7, 0, tzinfo=UTC)),
        ("2025-12-31T23:30:00-01:00", datetime(2026, 1, 1, 0, 30, tzinfo=UTC)),
        ("2026-01-02 10:00:00+01:00", datetime(2026, 1, 2, 9, 0, tzinfo=UTC)),
        ("2026-01-02T10:00:00.250+14:00", datetime(2026, 1, 1, 20, 0, 0, 250000, tzinfo=UTC)),
    ],
)
def test_dates_are_converted_to_utc(written: str, utc: datetime) -> None:
    related = [{"title": "R", "webUrl": "https://o.example/r", "publishedDateTime": written}]
    loaded = load_one(record_text(article(1, publishedDateTime=written, related=related)))
    for value in (loaded.published_at, loaded.related[0].published_at):
        assert value == utc
        assert value is not None and value.tzinfo is UTC


def test_related_item_without_a_date_is_left_undated() -> None:
    # Grouping gives it the date of the article that mentions it; loading invents nothing.
    related = [{"title": "R", "webUrl": "https://o.example/r"}]
    loaded = load_one(record_text(article(1, related=related)))
    assert loaded.related[0].published_at is None


def test_record_over_the_size_limit_is_one_problem() -> None:
    loaded, problems = parse(record_text(article(1, excerpt="x" * 3_000_000)))
    assert loaded is None
    assert [(p.line, p.field, p.severity) for p in problems] == [(1, "", "error")]
    assert problems[0].message.startswith("file too large: ")


# --- known bugs: the tests say what should happen ---------------------------------------


@pytest.mark.parametrize("written", ["[true]", "{value: true}"])
def test_published_as_a_list_or_mapping_is_a_problem(written: str) -> None:
    loaded, problems = parse(HEAD + f"published: {written}\n---\n")
    assert loaded is None
    assert [(p.line, p.field, p.severity) for p in problems] == [(8, "published", "error")]
    assert problems[0].message.startswith("must be true or false")


@pytest.mark.parametrize("written", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00"])
def test_date_that_cannot_be_utc_is_a_problem(written: str) -> None:
    text = HEAD.replace("2026-01-02T10:00:00Z", written) + "---\n"
    loaded, problems = parse(text)
    assert loaded is None
    assert [(p.line, p.field, p.severity) for p in problems] == [(4, "publishedDateTime", "error")]


def test_raw_control_character_names_its_line() -> None:
    _, problems = parse(HEAD + "excerpt: Caf\u00e9 \x07 bell\n---\n")
    assert len(problems) == 1
    assert problems[0].line == 8
    assert "\n" not in str(problems[0])


def test_line_separator_in_a_value_does_not_shift_later_lines() -> None:
    _, problems = parse(HEAD + 'excerpt: "one\u2028two"\ntopics: AI\n---\n')
    assert [(p.line, p.field) for p in problems] == [(9, "topics")]


# --- folders --------------------------------------------------------------------------


def folder_config(seeds: Path) -> Config:
    """A configuration that reads `seeds` with no cache, for `check`."""
    return Config(base_url="https://feeds.example.org/", source=seeds, output=seeds.parent / "out")


def test_a_folder_is_read_in_a_stable_order_and_every_problem_collected(
    tmp_path: Path,
) -> None:
    seeds = tmp_path / "seeds"
    (seeds / "a" / "deep").mkdir(parents=True)
    (seeds / "a" / "b").mkdir()
    (seeds / "e.md").mkdir()  # a folder named like a record is walked into, not read
    (seeds / "b.md").write_text(record_text(article(2)))
    (seeds / "e.md" / "inner.md").write_text(record_text(article(5)))
    (seeds / "a" / "z.md").write_text(record_text(article(3)))
    (seeds / "a-b.md").write_text(record_text(article(4, topics="AI")))
    (seeds / "a" / "b" / "c.md").write_text("no front matter\n")
    (seeds / "a" / "deep" / "d.md").write_text(record_text(article(6, webUrl="javascript:x")))
    (seeds / "a" / "notes.txt").write_text("not a record")

    result = check(folder_config(seeds))

    def rel(path: str) -> str:
        return Path(path).relative_to(seeds).as_posix()

    # Path-string order, as everywhere in feedpub: '-' sorts before '/'.
    order = ["a-b.md", "a/b/c.md", "a/deep/d.md", "a/z.md", "b.md", "e.md/inner.md"]
    assert [rel(p) for p in scan_record_paths(seeds)[0]] == order
    assert result.files == 6
    articles = load_articles(seeds)
    assert [rel(a.path) for a in articles] == ["a-b.md", "a/z.md", "b.md", "e.md/inner.md"]
    assert [(rel(p.path), p.line, p.field, p.severity) for p in result.problems] == [
        ("a-b.md", 13, "topics", "warning"),
        ("a/b/c.md", 1, "", "error"),
        ("a/deep/d.md", 5, "webUrl", "error"),
    ]
    assert check(folder_config(seeds)).problems == result.problems
    assert load_articles(seeds) == articles


def test_only_regular_files_inside_the_source_are_records(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    (seeds / "sub").mkdir(parents=True)
    (seeds / "good.md").write_text(record_text(article(1)))
    private = tmp_path / "private.md"
    private.write_text(record_text(article(2, title="Private")))
    (seeds / "out.md").symlink_to(private)  # a file from elsewhere
    (seeds / "sub" / "up.md").symlink_to("../../private.md")
    (seeds / "kmsg.md").symlink_to("/proc/self/status")  # reads like a file, may block
    (seeds / "zero.md").symlink_to("/dev/zero")
    (seeds / "gone.md").symlink_to(seeds / "missing.md")
    os.mkfifo(seeds / "fifo.md")  # opening it would wait for a writer forever
    (seeds / "same.md").symlink_to("good.md")  # a link inside the source is read
    (seeds / "sub" / "back.md").symlink_to("../good.md")

    paths, skipped = scan_record_paths(seeds)

    def rel(path: str) -> str:
        return Path(path).relative_to(seeds).as_posix()

    assert [rel(p) for p in paths] == ["good.md", "same.md", "sub/back.md"]
    assert [(rel(p.path), p.line, p.field, p.is_error) for p in skipped] == [
        (name, None, "", True)
        for name in ["fifo.md", "gone.md", "kmsg.md", "out.md", "sub/up.md", "zero.md"]
    ]
    articles = load_articles(seeds)  # in a few milliseconds: nothing skipped is opened
    assert [rel(a.path) for a in articles] == ["good.md", "same.md", "sub/back.md"]
    problems = check(folder_config(seeds)).problems
    assert all(p in problems for p in skipped)
    assert "Private" not in repr(articles) + repr(problems)


def test_read_file_of_a_fifo_is_a_problem_not_a_hang(tmp_path: Path) -> None:
    # A FIFO put where a record was listed: opening it to read would wait for a writer.
    fifo = tmp_path / "x.md"
    os.mkfifo(fifo)
    code = (
        "import sys; from feedpub.load import read_file; from feedpub.types import Problem; "
        f"found = read_file({str(fifo)!r}); "
        "sys.exit(0 if isinstance(found, Problem) and "
        "found.message == 'skipped: not a regular file' else 1)"
    )
    try:
        done = subprocess.run([sys.executable, "-c", code], timeout=20, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("read_file waited on a FIFO")
    assert done.returncode == 0


def test_a_missing_folder_of_records_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such folder of records"):
        check(folder_config(tmp_path / "missing"))


def test_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    found = read_file(str(tmp_path / "gone.md"))
    assert isinstance(found, Problem)
    assert (found.line, found.message) == (None, "cannot read: No such file or directory")


# --- any value in any field: an Article or Problems, never an exception ----------------

BASE = article(
    1,
    originalUrl="https://origin.example/1",
    category="news",
    images=[{"url": "https://img.example/1.png", "width": 640, "height": 480}],
    related=[
        {
            "title": "Related",
            "excerpt": "About it.",
            "publishedDateTime": "2026-01-01T08:00:00+01:00",
            "webUrl": "https://other.example/r",
            "type": "article",
            "provider": {"name": "Other", "domain": "other.example"},
            "quality": 3,
            "images": [{"url": "https://img.example/r.png", "width": 10, "height": 10}],
        }
    ],
)
FIELDS: list[tuple[str | int, ...]] = [
    (),
    *((key,) for key in BASE),
    ("provider", "name"),
    ("provider", "domain"),
    ("topics", 0),
    ("images", 0),
    ("images", 0, "url"),
    ("images", 0, "width"),
    ("related", 0),
    *(("related", 0, key) for key in BASE["related"][0]),
    ("related", 0, "provider", "domain"),
    ("related", 0, "images", 0, "url"),
]
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(st.characters() | st.sampled_from("\x00\x07\x1b\x85\u2028\ufffe\uffff\ud800<&]"))
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


def substituted(path: tuple[str | int, ...], value: Any) -> Any:
    if not path:
        return value
    fields = copy.deepcopy(BASE)
    parent: Any = fields
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return fields


def strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from strings(item)
    elif dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            yield from strings(getattr(value, f.name))


def is_xml_char(c: str) -> bool:
    """XML 1.0's Char production."""
    n = ord(c)
    return n in (0x9, 0xA, 0xD) or 0x20 <= n <= 0xD7FF or 0xE000 <= n <= 0xFFFD or n >= 0x10000


@st.composite
def field_and_value(draw: st.DrawFn) -> tuple[tuple[str | int, ...], Any]:
    path = draw(st.sampled_from(FIELDS))
    return path, draw(VALUES)


@settings(max_examples=200, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(field_and_value(), st.booleans())
def test_any_value_in_any_field_gives_an_article_or_problems(
    case: tuple[tuple[str | int, ...], Any], allow_unicode: bool
) -> None:
    path, value = case
    front = yaml.safe_dump(substituted(path, value), allow_unicode=allow_unicode)
    data = f"---\n{front}---\nBody *text*.\n".encode("utf-8", "surrogatepass")

    loaded, problems = parse_record("seeds/x.md", data)

    assert (loaded is None) == any(p.is_error for p in problems)
    last_line = data.count(b"\n") + 1
    for problem in problems:
        assert problem.path == "seeds/x.md"
        assert "\n" not in str(problem)
        assert problem.line is None or 1 <= problem.line <= last_line
        assert SECRET not in str(problem)
    if loaded is not None:
        assert loaded.published_at.tzinfo is UTC
        assert SECRET not in repr(loaded)
        for text in strings(loaded):
            assert all(is_xml_char(c) for c in text), repr(text)


_SPLIT_PARTS = ["---", "----", "--- ", "---x", "\n", " ", "\t", "a", "b: c", "\r\n", "- x"]
_SPLIT_PARTS += ["\n---\n", "\n--- \n", "...", "\u2028", "\x0c", "\n\n"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_SPLIT_PARTS), max_size=14).map("".join))
def test_front_matter_is_split_as_python_frontmatter_splits_it(text: str) -> None:
    start = _HANDLER.FM_BOUNDARY.match(text) if _HANDLER.FM_BOUNDARY else None
    if start is None:
        expected: object = "no front matter: a record starts with a line '---'"
    else:
        try:
            front, body = _HANDLER.split(text)
            expected = (front, body, text.count("\n", 0, start.end()))
        except ValueError:
            expected = "front matter is not closed by a line '---'"
    assert _split_front_matter(text) == expected


# Characters the text's `\s` matches and the bytes' does not, and others beginning
# with the same UTF-8 bytes, or not.
_UTF8_PARTS = [*_SPLIT_PARTS, "\xa0", "\x85", "\x1c", "\x1f", "\u3000", "\u2029", "\u205f"]
_UTF8_PARTS += ["\u1680", "\u3042", "\xe9", "\u5c71", "\ufeff", "\U0001f680", "\x0b"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_UTF8_PARTS), max_size=14).map("".join))
def test_front_matter_split_on_bytes_is_the_split_of_the_text(text: str) -> None:
    """`_split_utf8` splits where the text's split does, or leaves the record to it."""
    split = _split_utf8(text.encode())
    if split is not None:
        expected = _split_front_matter(text)
        assert isinstance(expected, tuple)
        assert split == (expected[0].encode(), expected[1].encode(), expected[2])


@pytest.mark.parametrize("space", ["\xa0", "\x85", "\x1c", "\u2029", "\u3000"])
def test_a_boundary_followed_by_a_unicode_space_is_split_as_text(space: str) -> None:
    for text in (f"---{space}\na: b\n---\nbody", f"---\na: b\n---{space}\nbody"):
        assert _split_utf8(text.encode()) is None
        assert parse(text) == parse_record("seeds/x.md", text.encode())
    assert _split_utf8(f"---\na: b\n---\n{space}body".encode()) is None


def test_records_are_split_on_their_bytes() -> None:
    """The seeds and every test record with front matter take the bytes' split."""
    paths = sorted(Path(__file__).parents[1].glob("seeds/**/*.md"))
    paths += sorted(DATA.glob("site/**/*.md"))
    assert len(paths) > 16
    for path in paths:
        data = path.read_bytes().removeprefix("\ufeff".encode())
        split = _split_utf8(data)
        assert split is not None, path
        text = _split_front_matter(data.decode())
        assert isinstance(text, tuple)
        assert split == (text[0].encode(), text[1].encode(), text[2])


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("  \t\n\xa0\u2028")))
def test_clean_text_shortcut_agrees_with_the_full_cleaning(text: str) -> None:
    from feedpub.load import _NOT_XML, _SPACES

    assert clean_text(text) == _SPACES.sub(" ", _NOT_XML.sub("", text)).strip()


def _parsed_date(text: str) -> tuple[object, list[str]]:
    data = record_text(article(1, publishedDateTime=text)).encode()
    loaded, problems = parse_record("x.md", data)
    return loaded, [p.message for p in problems]


@pytest.mark.parametrize("text", ["2026-01-02X10:00:00Z", "2026-01-02_10:00Z", "2026-01-0210:00Z"])
def test_a_date_and_time_joined_by_anything_but_t_or_a_space_is_not_a_date(text: str) -> None:
    assert _parsed_date(text) == (None, [f"not a date: '{text}'"])


@pytest.mark.parametrize(
    "text", ["2026-01-02T10:00:00Z", "2026-01-02 10:00:00+01:00", "2026-01-02"]
)
def test_iso_dates_still_parse(text: str) -> None:
    assert _parsed_date(text)[0] is not None


# --- misspelt keys -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "known"),
    [
        ("webURL", "webUrl"),
        ("topic", "topics"),
        ("publishedDate", "publishedDateTime"),
        ("Title", "title"),  # the same key but for case
        ("exerpt", "excerpt"),
    ],
)
def test_a_key_close_to_a_known_one_is_a_warning_naming_both(written: str, known: str) -> None:
    loaded, problems = parse(f"{HEAD}{written}: x\n---\n")
    assert loaded is not None
    assert [str(p) for p in problems] == [
        f"seeds/x.md:8: {written}: warning: unknown key; did you mean {known!r}?"
    ]


@pytest.mark.parametrize("written", ["author", "tags_internal", "x", "notes", "summary"])
def test_other_unknown_keys_stay_silent(written: str) -> None:
    loaded, problems = parse(f"{HEAD}{written}: x\n---\n")
    assert loaded is not None
    assert problems == []


def test_a_misspelt_key_warns_once_through_check(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "x.md").write_text(f"{HEAD}webURL: https://x.example/\n---\n")
    checked = check(folder_config(tmp_path / "seeds"))
    assert [(p.field, p.severity) for p in checked.problems] == [("webURL", "warning")]


def test_the_known_keys_are_the_keys_the_loader_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """RECORD_KEYS is the one list of top-level keys: exactly those `parse_record` reads."""
    read: set[str] = set()

    class Watched(dict[str, Any]):
        """The front matter, noting each key looked up."""

        def get(self, key: str, default: Any = None) -> Any:
            read.add(key)
            return super().get(key, default)

        def __getitem__(self, key: str) -> Any:
            read.add(key)
            return super().__getitem__(key)

    real = load.parse_yaml

    def parse_yaml(text: str, utf8: bytes | None = None) -> Any:
        doc = real(text, utf8)
        doc.value = Watched(doc.value)
        return doc

    monkeypatch.setattr(load, "parse_yaml", parse_yaml)
    load_one(f"{HEAD}topics: [AI]\n---\nBody.\n")
    assert read | {"secured"} == set(load.RECORD_KEYS)


def test_an_article_from_a_cache_is_sound_only_as_a_record_could_give_it() -> None:
    """What the record cache checks before it trusts an article it reads back."""
    from dataclasses import replace

    from feedpub.load import is_sound

    good, _ = parse_record("x.md", record_text(article(1)).encode())
    assert good is not None and is_sound(good)
    assert not is_sound(replace(good, web_url="javascript:alert(1)"))
    assert not is_sound(replace(good, title="a\x01b"))
    assert not is_sound(replace(good, topics=("AI", "\ufffe")))


# --- shortcuts: the common value takes a few checks, and gives what the full path gives ---

URI_CHARS = "aZ09-._~:/?#[]@!$&'()*+,;=%"
ODD = st.text(st.sampled_from(URI_CHARS) | st.characters(), max_size=3)
URLISH = st.builds(
    lambda *parts: "".join(parts),
    st.sampled_from(["https://", "http://", "HtTpS://", "http\u017f://", "ftp://", "//", ""]),
    st.sampled_from(["", "", "user@", "a:b@", "%4@", "@"]),
    st.sampled_from(["host.example", "h", "[::1]", "[fe80::1%25]", "", "h%2Fx", "h\u212a"]),
    st.sampled_from(["", "", ":8080", ":", ":x"]),
    st.sampled_from(["", "/", "/a/b.jpg", "?q=1", "#f", "/%20", "/%zz", "/ x", "/\xe9"]),
    st.sampled_from(["", "", ""]) | ODD,
)
DATEISH = st.builds(
    lambda *parts: "".join(parts),
    st.sampled_from(["2026-01-02", "0999-12-31", "9999-12-31", "1000-01-01", "20260102"])
    | st.sampled_from(["2026-13-01", "2026-W01-1", "2026-01-0\u0661", " 2026-01-02"]),
    st.sampled_from(["T", "t", " ", "  ", "_", "X", "\x07", ""]),
    st.sampled_from(["10:00", "10:00:00", "23:59:60", "10:00:00.5", "10:00:00.1234567", "24:00"])
    | st.sampled_from(["", "1000", "10:00:00,5", "10"]),
    st.sampled_from(["Z", "z", "+01:00", "-05:00", "+14:00", "-14:00", "+24:00", "+0100", ""]),
    st.sampled_from(["", "", ""]) | ODD,
)
TEXTISH = st.text(st.characters() | st.sampled_from("  \t\n\xa0\u2028\x00\x85\ufffe\ud800"))
ANY_VALUE = URLISH | DATEISH | TEXTISH | VALUES


def _converted(method: str, value: Any) -> tuple[str, list[Problem]]:
    doc = load.parse_yaml("x: 1\n")
    fields = load._Fields("seeds/x.md", doc, 1)
    result = getattr(fields, method)(value, (), "x", *SHORTCUT_ARGUMENTS[method])
    return repr(result), fields.problems


SHORTCUT_ARGUMENTS = {
    "text": (False, "warning", 20),
    "_text": (False, "warning", 20),
    "url": (True, "error"),
    "_url": (True, "error"),
    "date": (False, "warning"),
    "_date": (False, "warning"),
}


PROVIDERISH = st.fixed_dictionaries(
    {},
    optional={
        "domain": st.sampled_from(["news.example", "WWW.News.Example.", "b\xfccher.example", "x"])
        | st.sampled_from(["", " ", "-x.example", "a..b", "a b.example"])
        | VALUES,
        "name": st.sampled_from(["News", "", " ", "  News  ", "Caf\xe9\x07"]) | VALUES,
    },
)


def _provider(method: str, value: Any) -> tuple[str, list[Problem]]:
    doc = load.parse_yaml("x: 1\n")
    fields = load._Fields("seeds/x.md", doc, 1)
    return repr(getattr(fields, method)(value, (), False)), fields.problems


@settings(max_examples=1500, deadline=None, database=None)
@given(ANY_VALUE, PROVIDERISH)
def test_each_shortcut_gives_what_the_full_checks_give(value: Any, provider: Any) -> None:
    """`text`, `url` and `date` take a shortcut for the common value, `provider` one for
    a provider converted before; for any value, what they give (repr: dates keep their
    zone) and report is what the full path gives."""
    for method in ("text", "url", "date"):
        assert _converted(method, value) == _converted(f"_{method}", value), method
    for _ in range(2):  # the second time, a provider may be one converted before
        assert _provider("provider", provider) == _provider("_provider", provider)


@settings(max_examples=3000, deadline=None, database=None)
@given(URLISH)
def test_the_plain_web_url_pattern_is_a_web_url_made_of_uri_characters(text: str) -> None:
    from feedpub.load import _PLAIN_WEB_URL, _URI_OK, _WEB_URL

    whole = bool(_URI_OK.match(text) and _WEB_URL.match(text))
    assert bool(_PLAIN_WEB_URL.match(text)) == whole
