"""yamltext's quick reader against LibYAML: whenever `_quick` answers, LibYAML agrees.

`_quick` reads the common block-style shape of front matter in pure Python and gives up
(`_UNSURE`) on anything else. The contract checked here, on generated and hand-picked
texts: when it answers, LibYAML's reading (`_compose` + `_Converter`) succeeds on the same
text, finds no duplicate keys and gives an equal value; and `parse_yaml` always gives what
LibYAML gives.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from frontmatter.default_handlers import YAMLHandler
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedpub import yamltext as y

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").rglob("*.md"))
DATA_RECORDS = sorted((ROOT / "tests" / "data").rglob("*.md"))


def slow(text: str) -> y.Document:
    """LibYAML's reading of `text`, the reference the quick reader must agree with."""
    node = y._compose(text, None)  # raises YamlError on invalid YAML
    doc = y.Document(None, text, node)
    if node is not None:
        doc.value = y._Converter(doc).convert(node, (), 0)
    return doc


def check(text: str) -> Any:
    """Assert the contract for `text`; return what `_quick` gave."""
    quick = y._quick(text)
    try:
        reference: y.Document | None = slow(text)
        error: y.YamlError | None = None
    except y.YamlError as e:
        reference, error = None, e
    if quick is not y._UNSURE:
        assert error is None, f"quick gave {quick!r}, LibYAML raised {error}"
        assert reference is not None
        assert not reference.duplicates, f"quick gave {quick!r}, LibYAML saw duplicates"
        assert reference.value == quick
        assert _shapes(reference.value) == _shapes(quick)
    if error is not None:
        with pytest.raises(y.YamlError):
            y.parse_yaml(text)
    else:
        assert reference is not None
        doc = y.parse_yaml(text)
        assert doc.value == reference.value
        assert _shapes(doc.value) == _shapes(reference.value)
        assert [k for k, _ in doc.duplicates] == [k for k, _ in reference.duplicates]
    return quick


def _shapes(value: Any) -> Any:
    """`value` with every leaf replaced by its type and every mapping by its items in
    order, so comparing these also compares kinds (`[]` and `{}`, `""` and None) and
    key order."""
    if isinstance(value, dict):
        return [(k, _shapes(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_shapes(v) for v in value]
    return type(value)


def front_matter(path: Path) -> list[str]:
    """The texts of a record file worth checking: its front matter (as
    python-frontmatter splits it) when it has one, and the whole text."""
    text = path.read_bytes().decode("utf-8", "replace")
    texts = [text]
    try:
        front, _ = YAMLHandler().split(text)
    except ValueError:
        return texts
    return [front, *texts]


# --- generated documents -------------------------------------------------------

# Text YAML reads specially somewhere: indicators, comment and value markers, null and
# YAML 1.1 guesses, document markers, odd spaces, line breaks and controls.
SPECIAL = st.sampled_from([
    *"-?:,[]{}#&*!|>'\"%@`",
    ": ", " #", "#", ":", " ", "  ", "- ", "? ", "''", "\\", "~", "null", "Null", "NULL", "nUll",
    "true", "No", "yes", "2020", "0x1F", "1e3", ".inf", "---", "...", "%YAML 1.2", "!!str", "&a",
    "*a", "<<", "=", "é", "ß", "日本", "😀", "\u00a0", "\u2028", "\u2029", "\u0085", "\ufeff",
    "\ufffe", "\x80", "\x9f", "\x00", "\x07", "\x1b", "\x7f", "\t", "\r", "\r\n", "\n",
    "http://x.example/a#b", "a:b", "it's", 'say "hi"',
])  # fmt: skip
WORD = st.text("abcxyzABZ019_-. /éß日😀", min_size=1, max_size=6)
FRAGMENT = st.one_of(WORD, WORD, SPECIAL, SPECIAL, st.text(max_size=3))
PLAIN = st.lists(FRAGMENT, min_size=1, max_size=4).map("".join)

# Escapes LibYAML knows, and some it rejects; the quick reader must decode or give up.
GOOD_ESCAPES = st.sampled_from([
    *(f"\\{c}" for c in "0abtnvfre \"/\\N_LP"),
    "\\x41", "\\xe9", "\\x85", "\\x00", "\\xff", "\\u00e9", "\\u2028", "\\uFFFD", "\\uffff",
    "\\U0001F600", "\\U00000041", "\\U0010FFFF", "\\\t",
])  # fmt: skip
KNOWN_ESCAPES = GOOD_ESCAPES.filter(lambda e: not e.startswith(("\\U", "\\\t")))
BAD_ESCAPES = st.sampled_from([
    "\\q", "\\x4", "\\x4G", "\\xG1", "\\u12", "\\u12G4", "\\uD800", "\\udfff", "\\U0001F6",
    "\\U00110000", "\\", "\\\\\\", "\\'", "\\#", "\\:", "\\-", "\\é", "\\U", "\\x",
])  # fmt: skip
DOUBLE = st.lists(st.one_of(WORD, GOOD_ESCAPES, GOOD_ESCAPES, BAD_ESCAPES, SPECIAL), max_size=4)
SINGLE = st.lists(
    st.one_of(WORD, WORD, st.sampled_from(["''", "'", "\\", "\\n", "#"]), SPECIAL), max_size=4
)
ODD = st.sampled_from([
    "[]", "{}", "[ ]", "{ }", "[a, b]", "{a: b}", "[a", "{", "]", "[]x", "[] #c", "{}  # c",
    "|", ">", "|-", ">+", "&a x", "*a", "!!str x", "!x y", "? x", "- x", "-", "--", "-x",
    "~", "null", "Null", "NULL", "''", '""', "No", "2020", "true", "x:", "x: y", "x #y", "x#y",
])  # fmt: skip
SCALAR = st.one_of(
    PLAIN,
    PLAIN,
    WORD,
    DOUBLE.map(lambda parts: '"' + "".join(parts) + '"'),
    SINGLE.map(lambda parts: "'" + "".join(parts) + "'"),
    ODD,
)
# What most values in a document are: text the quick reader takes.
NICE = st.one_of(
    WORD,
    WORD,
    st.lists(st.one_of(WORD, SPECIAL), min_size=2, max_size=3).map(lambda p: "x" + "".join(p)),
    st.lists(st.one_of(WORD, KNOWN_ESCAPES), max_size=3).map(lambda p: '"' + "".join(p) + '"'),
    st.lists(st.one_of(WORD, st.just("''")), max_size=3).map(lambda p: "'" + "".join(p) + "'"),
    st.sampled_from(["~", "null", "", "[]", "{}", "No", "2020", "true", "-x", "x:y", "a, b"]),
)
# Few names, so some keys repeat; odd keys only in flawed documents.
NAMES = st.sampled_from([
    "a", "b", "c", "d", "e", "f", "title", "webUrl", "images", "url", "_k", "x-y", "a_1", "No",
    "null", "true", "2020", "Q", "zz", "related",
]) | st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=5)  # fmt: skip
ODD_KEYS = st.one_of(
    st.sampled_from(["a b", "a:b", "-a", "a-", "é", "'a'", '"a"', "? a", "[a]", "~", "a#b", "a "]),
    st.integers(1000, 1100).map(lambda n: "k" * n),
    st.integers(195, 210).map(lambda n: "k" * n),
    PLAIN,
)
COMMENTS = st.sampled_from([" # c", "  #c", " #", " # a: b", " # 'x' \"y\" #"])
ODD_COMMENTS = st.sampled_from(["#c", " #: x", "\t# c", " #\u00a0", "# - x"])
ODD_SPACES = st.sampled_from(["", "  ", "   ", "\t", " \t", "\u00a0"])
JITTER = st.sampled_from([-2, -1, 1, 2, 3])
JUNK = st.sampled_from([
    "", "  ", "#", "# c", "  # c", "   #c", "---", "...", "--- x", "%YAML 1.2", "%TAG ! x", "-",
    "- ", "  -", ":", "? a", "\t", "a", "  x", "[", "'", '"', "\ufeff", "# \u2028", "  - x",
])  # fmt: skip


class Writer:
    """Draws block YAML line by line; `bad` is the percentage of decisions made wrong."""

    def __init__(self, draw: st.DrawFn, bad: int) -> None:
        self.draw = draw
        self.bad = bad
        self.lines: list[str] = []

    def flaw(self) -> bool:
        return self.bad > 0 and self.draw(st.integers(0, 99)) < self.bad

    def indent(self, indent: int) -> str:
        return " " * max(0, indent + (self.draw(JITTER) if self.flaw() else 0))

    def key(self) -> str:
        return self.draw(ODD_KEYS if self.flaw() else NAMES)

    def space(self) -> str:
        return self.draw(ODD_SPACES) if self.flaw() else " "

    def comment(self) -> str:
        if self.flaw():
            return self.draw(ODD_COMMENTS)
        return self.draw(COMMENTS) if self.draw(st.integers(0, 11)) == 0 else ""

    def scalar(self) -> str:
        return self.draw(SCALAR if self.draw(st.integers(0, 9)) == 0 else NICE)

    def step(self) -> int:
        return self.draw(st.sampled_from([0, 1, 3, 5])) if self.flaw() else 2

    def mapping(self, indent: int, depth: int, lead: str | None = None) -> None:
        """Entries at `indent`; the first one after `lead` (say "- ") if given."""
        for n in range(self.draw(st.integers(1, 4 if depth == 0 else 3))):
            prefix = lead if n == 0 and lead is not None else self.indent(indent)
            head = f"{prefix}{self.key()}:"
            kind = self.draw(st.integers(0, 9)) if depth < 3 else 0
            if kind <= 4:
                self.lines.append(f"{head}{self.space()}{self.scalar()}{self.comment()}")
            elif kind == 5:
                self.lines.append(head + self.comment())
            else:
                self.lines.append(head + self.comment())
                if kind == 6:
                    self.mapping(len(prefix) + self.step(), depth + 1)
                elif kind == 7:
                    self.sequence(len(prefix) + self.step(), depth + 1)
                else:  # "key:\n- item", at the key's own column
                    self.sequence(len(prefix), depth + 1)

    def sequence(self, indent: int, depth: int, lead: str | None = None) -> None:
        """Items at `indent`; the first one after `lead` (say "- ") if given."""
        for n in range(self.draw(st.integers(1, 3))):
            prefix = lead if n == 0 and lead is not None else self.indent(indent)
            dash = prefix + "-"
            kind = self.draw(st.integers(0, 19)) if depth < 3 else 0
            if kind <= 8:
                self.lines.append(f"{dash}{self.space()}{self.scalar()}{self.comment()}")
            elif kind <= 10:
                self.lines.append(dash + self.draw(st.sampled_from(["", " ", "  "])))
            elif kind <= 16:  # "- a: 1\n  b: 2", or "-   a: 1" with more spaces
                after = dash + self.draw(st.sampled_from([" ", " ", "  ", "   "]))
                if self.flaw():
                    after += self.draw(ODD_SPACES)
                self.mapping(len(after), depth + 1, after)
            elif kind == 17:  # "- - x"
                after = dash + self.space()
                self.sequence(len(after), depth + 1, after)
            else:  # "-" alone, then a nested block on the next lines
                self.lines.append(dash + self.comment())
                nested = self.mapping if self.draw(st.booleans()) else self.sequence
                nested(len(prefix) + self.step(), depth + 1)


@st.composite
def documents(draw: st.DrawFn) -> str:
    """Block YAML as front matter is written: often valid, often subtly not."""
    writer = Writer(draw, draw(st.sampled_from([0, 0, 0, 1, 3, 10, 30])))
    writer.mapping(0, 0)
    lines = writer.lines
    # Comments, blank lines, markers and junk between the lines.
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(lines)))
        line = draw(st.sampled_from(["", "# c", "  # c", "   #", "  "]))
        lines.insert(at, draw(JUNK) if writer.flaw() else line)
    # Now and then a character somewhere is replaced or added.
    if writer.flaw():
        at = draw(st.integers(0, len(lines) - 1))
        line = lines[at]
        pos = draw(st.integers(0, len(line)))
        extra = draw(SPECIAL | st.text(min_size=1, max_size=2))
        lines[at] = line[:pos] + extra + line[pos + draw(st.integers(0, 1)) :]
    end = draw(st.sampled_from(["\n", "\n", "", "\n\n", "\n  ", "\n# end\n", "\n...\n"]))
    start = "---\n" if writer.flaw() else ""
    return start + "\n".join(lines) + end


@settings(max_examples=1500, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(documents())
def test_quick_reader_agrees_with_libyaml_on_generated_documents(text: str) -> None:
    check(text)


# Every place a one-line scalar goes; `{}` stands for it.
FRAMES = [
    "a: {}", "a:  {}  # c", "a:\n  b: {}\nc: d", "k:\n- {}", "k:\n-   {}", "k:\n  - a: {}",
    "k:\n- x: y\n  a: {}\n- {}", "k:\n- {}\n-\n  - {}", "{}: v", "k:\n- {}: v",
]  # fmt: skip


@settings(max_examples=1500, deadline=None, database=None)
@given(
    st.sampled_from(FRAMES),
    SCALAR,
)
def test_quick_reader_agrees_with_libyaml_on_generated_scalars(frame: str, scalar: str) -> None:
    """Every scalar form in every place a value goes on one line."""
    check(frame.replace("{}", scalar, 1) + "\n")


# --- hand-picked texts ---------------------------------------------------------

TRICKY = [
    # structure
    "a: 1\n  b: 2\n",
    "a:\n  b: 1\n c: 2\n",
    "a:\n    b: 1\n  c: 2\n",
    "a:\n- x\n- y\nb: 1\n",
    "a:\n- x\nb:\n  - y\n- z\n",
    "a: b\n- x\n",
    "a:\n  b:\n- x\n",
    "a:\n  b:\n  - x\n  c: 1\n",
    "a:\n  b: 1\n  - x\n",
    "k:\n- a: 1\n  b: 2\n",
    "k:\n-   a: 1\n    b: 2\n",
    "k:\n-   a: 1\n  b: 2\n",
    "k:\n- a: 1\n b: 2\n",
    "k:\n- a: 1\n    b: 2\n",
    "k:\n- a: 1\n - b\n",
    "k:\n- a:\n  - x\n  b: 1\n",
    "k:\n- a:\n  - x\n- b\n",
    "k:\n- a:\n- x\n",
    "k:\n- a:\n  b: 1\n",
    "k:\n- a:\n    b: 2\n",
    "k:\n  - a:\n    - x\n",
    "k:\n-\n  a: 1\n",
    "k:\n-\n- x\n",
    "k:\n-\n  - x\n",
    "k:\n- - x\n",
    "k:\n- x\n  - y\n",
    "k:\n- x\n  y: 1\n",
    "k:\n- x\n y\n",
    "k:\n- # c\n  a: 1\n",
    "k:\n-  \n- x\n",
    "k:\n-\tx\n",
    "k:\n -x\n",
    "k:\n-- x\n",
    "k:\n- a: 1\n- a: 2\n",
    "a: 1\na: 2\n",
    "a:\n  b: 1\n  b: 2\n",
    "k:\n- a: 1\n  a: 2\n",
    # comments
    "a: b\n  # c\nd: e\n",
    "a: b\n# c\n  d: e\n",
    "a: # c\n  b: 1\n",
    "a:#c\n",
    "a: b #c\n",
    "a: b#c\n",
    "a: b\xa0#c\n",
    "a: 'b' # c\n",
    "a: 'b'#c\n",
    'a: "b" # c\n',
    'a: "b"#c\n',
    '- "a" # c: d\n',
    'k:\n- "a" # c: d\n',
    "k:\n- 'a' # c\n",
    "# only\n",
    "   # only\n  \n",
    "",
    "\n",
    # markers and directives
    "---\na: b\n",
    "a: b\n...\n",
    "a: b\n---\nc: d\n",
    "%YAML 1.2\n---\na: b\n",
    "a: ---\n",
    "a: ...\n",
    "k:\n- ---\n- ...\n",
    "--- a: b\n",
    # plain scalars
    "a: -\n",
    "a: -x\n",
    "a: - x\n",
    "a: --\n",
    "a: -\xa0x\n",
    "a: ?x\n",
    "a: :x\n",
    "a: x:\n",
    "a: x:y\n",
    "a: x: y\n",
    "a: x:\xa0y\n",
    "a: b, c]\n",
    "a: ,x\n",
    "a: it's\n",
    'a: say "hi"\n',
    "a: b   c  \n",
    "a: ~\n",
    "a: ~x\n",
    "a: null\nb: Null\nc: NULL\nd: nUll\ne:\nf: ''\ng: \"\"\nh: '~'\n",
    "a: No\nb: 2020\nc: true\nd: 0x1F\ne: 1e3\nf: .inf\n",
    "null: x\ntrue: y\nNo: z\n",
    "a: [ ]\n",
    "a: []\nb: {}\n",
    "a: [] # c\n",
    "k:\n- []\n- {}\n",
    "a: [x]\n",
    "a: !!str x\n",
    "a: &x b\nc: *x\n",
    "a: |\n  x\n",
    "a: >\n  x\n",
    "a: b\n  c\n",
    "a: \xa0\n",
    "a: b\xa0\n",
    "a: b \xa0\n",
    'a: "b"\xa0\n',
    "a: b\n\xa0\n",
    "k:\n-\xa0x\n",
    "\xa0a: b\n",
    # quoted scalars
    "a: 'it''s'\n",
    "a: 'a'' # c'\n",
    "a: 'a' '\n",
    "a: '\\n'\n",
    "a: 'x''\n",
    "a: '  x  '\n",
    'a: "  x  "\n',
    'a: "a\\"b"\n',
    'a: "abc\\"\n',
    'a: "\\\\q"\n',
    'a: "\\\\\\q"\n',
    'a: "\\t\\q"\n',
    'a: "\\t\\U0001F600"\n',
    'a: "\\t\\x4"\n',
    'a: "\\\\U0001F600"\n',
    'a: "\\u00e9\\uD83D\\uDE00"\n',
    'a: "\\uffff\\ufffe\\x7f\\x9f"\n',
    'a: "\\0\\a\\b\\t\\n\\v\\f\\r\\e\\ \\"\\/\\\\\\N\\_\\L\\P"\n',
    'a: "\\x41\\xe9\\x85\\x00\\u00e9\\u2028\\uFFFD"\n',
    'a: "\\uD800"\n',
    'a: "x\\uDFFF"\n',
    'a: "\\\t"\n',
    # odd characters
    "a: b\r\nc: d\n",
    "a: b\rc: d\n",
    "a: b\x85c: d\n",
    "a: b\u2028c: d\n",
    "\ufeffa: b\n",
    "a: b\ufeff\n",
    "a: \x00\n",
    "a: \x9f\n",
    "a: \x7f\n",
    "a:\tb\n",
    "a: 日本\nb: 😀\nc: é\n",
    # long keys
    "k" * 201 + ": v\n",
    "k" * 202 + ": v\n",
    "k" * 1024 + ": v\n",
    "k" * 1025 + ": v\n",
    # deep nesting and many nodes
    "".join(" " * (2 * n) + f"k{n}:\n" for n in range(33)),
    "".join(" " * (2 * n) + f"k{n}:\n" for n in range(34)),
    "k:\n" + "".join(" " * (2 * n) + "-\n" for n in range(40)),
    "".join(" " * (2 * n) + f"k{n}:\n" for n in range(40)),
    "".join(" " * (2 * n) + f"k{n}:\n" for n in range(70)),
]
# Disagreements this file found in the quick reader of commit 8dab30a (LibYAML 0.2.6):
# `_unescape` did not check the text before the first escape it knows, so an unknown
# escape there (`\q`, a short `\x4`, or an 8-digit `\U`, which the quick reader does not
# decode) came back as written, backslash and all, where LibYAML rejects the text or
# decodes the escape. Fixed in 03eff26: `_unescape` now checks every text part.
FOUND = [
    'a: "\\q"\n',  # quick {'a': '\\q'}; LibYAML: found unknown escape character
    'a: "x\\q"\n',  # quick {'a': 'x\\q'}; LibYAML: found unknown escape character
    'a: "\\q\\n"\n',  # quick {'a': '\\q\n'}; LibYAML: found unknown escape character
    'a: "\\x4"\n',  # quick {'a': '\\x4'}; LibYAML: did not find expected hexdecimal number
    'a: "\\x4G\\t"\n',  # quick {'a': '\\x4G\t'}; LibYAML: expected hexdecimal number
    'a: "\\U0001F600"\n',  # quick {'a': '\\U0001F600'}; LibYAML {'a': '😀'}
    'a: "x\\U0001F600"\n',  # quick {'a': 'x\\U0001F600'}; LibYAML {'a': 'x😀'}
    'k:\n- "x\\U00000041\\t"\n',  # quick {'k': ['x\\U00000041\t']}; LibYAML ['xA\t']
]


@pytest.mark.parametrize("text", TRICKY + FOUND)
def test_quick_reader_agrees_with_libyaml_on_tricky_texts(text: str) -> None:
    check(text)


# --- the fast path is taken ------------------------------------------------------

TYPICAL = """\
title: "Robots Learn to Pick Fruit: Without Bruising It"
excerpt: 'A gripper that ''feels'' ripeness.'
publishedDateTime: 2026-09-13T12:35:00Z
webUrl: "https://news.example/a/1"  # the canonical address
type: article
quality: 77
published: true
secured: c2VjcmV0LXZhbHVlLW5ldmVyLXB1Ymxpc2hlZA==;bm90LWluLWZlZWRz

# where it came from
provider:
  name: News Example
  domain: news.example
topics:
  - Robotics
  - AI
images:
  - url: "https://img.news.example/1.jpg"
    width: 800
    height: 450
    isCached: true
related:
  - title: One
    webUrl: https://news.example/a/2
    provider:
      name: "Other \\"News\\""
      domain: other.example
    images:
      - url: https://img.other.example/2.jpg
        width: 640
  - title: Two
    excerpt: ~
    images: []
"""


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (TYPICAL, None),
        ("related: []\n", {"related": []}),
        ("a: {}\nb: []\n", {"a": {}, "b": []}),
        ("topics:\n- AI\n- Robotics\n", {"topics": ["AI", "Robotics"]}),
        (
            "related:\n- title: x\n  images:\n  - url: u\n",
            {"related": [{"title": "x", "images": [{"url": "u"}]}]},
        ),
        ("k:\n-   a: 1\n    b: 2\n", {"k": [{"a": "1", "b": "2"}]}),
        ("k:\n-\n  a: 1\n-\n", {"k": [{"a": "1"}, None]}),
        ("a: ''\nb: \"\"\nc:\nd: ~\n", {"a": "", "b": "", "c": None, "d": None}),
        ("a: No\nb: '2020'\nc: \"\\u00e9\\t\"\n", {"a": "No", "b": "2020", "c": "é\t"}),
    ],
)  # fmt: skip
def test_common_shapes_take_the_quick_path(text: str, value: Any) -> None:
    quick = check(text)
    assert quick is not y._UNSURE, "the quick reader gave up on a common shape"
    if value is not None:
        assert quick == value


def test_typical_record_reads_as_written() -> None:
    value = check(TYPICAL)
    assert value["related"][0]["provider"]["name"] == 'Other "News"'
    assert value["related"][1] == {"title": "Two", "excerpt": None, "images": []}
    assert value["webUrl"] == "https://news.example/a/1"


def test_all_seed_records_take_the_quick_path() -> None:
    assert len(SEEDS) == 16
    for path in SEEDS:
        front, _ = YAMLHandler().split(path.read_text(encoding="utf-8"))
        assert check(front) is not y._UNSURE, f"{path}: the quick reader gave up"


# --- the test data ---------------------------------------------------------------


@pytest.mark.parametrize("path", DATA_RECORDS, ids=lambda p: str(p.relative_to(ROOT)))
def test_quick_reader_agrees_with_libyaml_on_test_data(path: Path) -> None:
    for text in front_matter(path):
        check(text)


@pytest.mark.parametrize("items", [49_999, 100_000])
def test_quick_reader_agrees_with_libyaml_on_long_documents(items: int) -> None:
    """Near the quick reader's token limit, and past LibYAML's node budget."""
    quick = check("k:\n" + "- x\n" * items)
    assert (quick is not y._UNSURE) == (items < 50_000)


def test_test_data_is_found() -> None:
    assert any(p.parent.name == "invalid" for p in DATA_RECORDS)
    assert len(DATA_RECORDS) > 30
