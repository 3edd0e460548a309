"""yamltext's fast path (rapidyaml) against LibYAML: whenever `_fast` answers, LibYAML agrees.

`_fast` reads front matter with rapidyaml (YAML 1.2, lenient in places) and leaves to
LibYAML (`_UNSURE`) every text it may read otherwise. The contract checked here, on
generated and hand-picked texts, on every file in tests/data/ and seeds/: when it answers,
LibYAML's reading (`_compose` + `_Converter`) succeeds on the same text, finds no duplicate
keys and gives an equal value of the same shape; and `parse_yaml` always gives what
LibYAML gives. This file is the gate for every change to the fast path.
"""

from __future__ import annotations

import threading
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
    """LibYAML's reading of `text`, the reference the fast path must agree with."""
    node = y._compose(text, None)  # raises YamlError on invalid YAML
    doc = y.Document(None, text, node)
    if node is not None:
        doc.value = y._Converter(doc).convert(node, (), 0)
    return doc


def check(text: str) -> Any:
    """Assert the contract for `text`; return what `_fast` gave."""
    fast = y._fast(text)
    try:
        reference: y.Document | None = slow(text)
        error: y.YamlError | None = None
    except y.YamlError as e:
        reference, error = None, e
    if fast is y._UNSURE:
        return fast  # parse_yaml reads it as `slow` does: the reference itself
    assert error is None, f"fast gave {fast!r}, LibYAML raised {error}"
    assert reference is not None
    assert not reference.duplicates, f"fast gave {fast!r}, LibYAML saw duplicates"
    assert reference.value == fast
    assert _shapes(reference.value) == _shapes(fast)
    doc = y.parse_yaml(text)
    assert doc.value == fast
    assert _shapes(doc.value) == _shapes(fast)
    assert not doc.duplicates
    return fast


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

# Escapes LibYAML knows, and some it rejects.
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
# What most values in a document are: text the fast path takes.
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
    st.sampled_from([
        "a b", "a:b", "-a", "a-", "é", "'a'", '"a"', "? a", "[a]", "~", "a#b", "a ", "{a: b}",
        "[a, b]", '"a\n  b"', "'a\n b'", "a\n  b", '""', "''", "nan", ".nan", "-.inf", "Null",
        '"\\x41"', "'it''s'", "? [a]", ",a", ":a", "?a", "]a", "@a", "`a", "%a", "!a", "&a a",
        "*a", "|", ">", "a" + " " * 30, '"' + "\\x41" * 240 + '"', "'" + "''" * 400 + "'",
    ]),
    st.integers(1000, 1100).map(lambda n: "k" * n),
    st.integers(95, 105).map(lambda n: "k" * n),
    st.integers(195, 210).map(lambda n: "k" * n),
    PLAIN,
)  # fmt: skip
COMMENTS = st.sampled_from([" # c", "  #c", " #", " # a: b", " # 'x' \"y\" #"])
ODD_COMMENTS = st.sampled_from(["#c", " #: x", "\t# c", " #\u00a0", "# - x"])
ODD_SPACES = st.sampled_from(["", "  ", "   ", "\t", " \t", "\u00a0"])
JITTER = st.sampled_from([-2, -1, 1, 2, 3])
JUNK = st.sampled_from([
    "", "  ", "#", "# c", "  # c", "   #c", "---", "...", "--- x", "%YAML 1.2", "%TAG ! x", "-",
    "- ", "  -", ":", "? a", "\t", "a", "  x", "[", "'", '"', "\ufeff", "# \u2028", "  - x",
])  # fmt: skip

# Scalars ryml's JSON writes differently from the text (numbers, nan and inf, nulls),
# YAML 1.1 guesses, and forms only one of the two parsers takes.
NUMBERS = st.sampled_from([
    "-.5", ".5", "1.", "-1.", "1.0", "0.5", "-0.5", "0.0", "00.5", "1.e3", ".5e3", "1.5e+3",
    "1e3", "1E3", "-1e-3", "+1", "+.5", "-0", "0", "00", "019", "0x1F", "-0x1F", "0o17",
    "1_000", "12:30:45", "2020-01-01", "nan", "NaN", "NAN", ".nan", ".NaN", ".NAN", ".Nan",
    "inf", "Inf", "infinity", ".inf", ".Inf", ".INF", "-.inf", "+.inf", "-inf", "-infinity",
    "True", "TRUE", "FALSE", "false", "true", "y", "~", "null", "Null", "NULL", "nUll", "'~'",
    '"~"', "'.nan'", '"-.inf"', "'1.0'", '"Null"', '"\\x7e"', '"\\u007E"', "- ~",
])  # fmt: skip
# Properties (tags, anchors, aliases), right and wrong; LibYAML decides all of them.
PROPERTIES = st.sampled_from([
    "&a x", "*a", "!!str x", "!x y", "&a [x]", "!!map {a: b}", "*a ", "&a", "!!str", "! x",
    "!<tag:x> y", "&a !!str x", "!!str &a x", "[&a x, *a]", "{a: *b}", "{&a k: v}", "&a1 1",
    "!!binary aGk=", "!!python/name:os.system", "!!null ''", "!!bool yes", "!!seq []",
])  # fmt: skip
FLOW_WORD = st.one_of(
    WORD, NUMBERS, st.sampled_from(["a b", "'x, y'", '"[z]"', "", "x:y", "a #b", "-x", "?x"])
)
SPACING = st.sampled_from(["", " ", " ", "  ", "\n  ", "\n", " \n    "])


@st.composite
def flow(draw: st.DrawFn, depth: int = 0) -> str:
    """A flow collection: nested, spaced and broken over lines in odd ways."""
    count = draw(st.integers(0, 3))
    items = []
    for _ in range(count):
        kind = draw(st.integers(0, 9)) if depth < 3 else 0
        item = draw(flow(depth + 1)) if kind >= 8 else draw(FLOW_WORD)
        if kind in (5, 6, 7):  # a pair: in a mapping, or a single pair in a sequence
            item = f"{draw(FLOW_WORD)}:{draw(st.sampled_from([' ', ' ', '', '  ']))}{item}"
        items.append(item)
    sep = "," + draw(SPACING)
    body = sep.join(items) + draw(st.sampled_from(["", "", ",", ", ", " "]))
    pad = draw(SPACING)
    if draw(st.booleans()):
        return f"[{pad}{body}]"
    return "{" + pad + body + "}"


BLOCK_HEADERS = st.sampled_from([
    "|", ">", "|-", ">-", "|+", ">+", "|2", ">1", "|-2", "|2-", ">+1", "| # c", ">- #c",
    "|0", "|10", "|--", "|x", "|#c", "| x", ">>", "|2+-",
])  # fmt: skip
BLOCK_LINES = st.lists(
    st.tuples(st.sampled_from([0, 0, 0, 1, 2, -1]), st.one_of(WORD, st.just(""), SPECIAL)),
    min_size=0,
    max_size=4,
)


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

    def value(self, indent: int) -> tuple[str, list[str]]:
        """A value after `key: ` or `- `: its first line and the lines that follow it
        (at `indent` and deeper), for block scalars and values over several lines."""
        kind = self.draw(st.integers(0, 19))
        if kind <= 9:
            return self.scalar(), []
        if kind == 10:
            return self.draw(NUMBERS), []
        if kind == 11:
            return self.draw(PROPERTIES if self.flaw() else NUMBERS), []
        if kind <= 13:
            text = self.draw(flow())
        elif kind <= 15:  # a plain scalar over lines
            text = "\n".join(self.draw(st.lists(self.scalar_part(), min_size=2, max_size=3)))
        elif kind <= 17:  # a quoted scalar over lines, folded, escaped and continued
            quote = self.draw(st.sampled_from(['"', '"', "'"]))
            parts = self.draw(st.lists(self.scalar_part(), min_size=2, max_size=3))
            ends = st.sampled_from(["", "", " ", "\\", "\\ ", "\n"])
            text = quote + "".join(p + self.draw(ends) for p in parts)[:-1] + quote
        else:
            header = self.draw(BLOCK_HEADERS)
            body = [" " * max(0, 2 + extra) + word for extra, word in self.draw(BLOCK_LINES)]
            text = "\n".join([header, *body])
        first, *more = text.split("\n")
        return first, [self.indent(indent + self.step()) + line for line in more]

    def scalar_part(self) -> st.SearchStrategy[str]:
        return st.one_of(WORD, WORD, st.just(""), SPECIAL) if self.flaw() else WORD

    def step(self) -> int:
        return self.draw(st.sampled_from([0, 1, 3, 5])) if self.flaw() else 2

    def mapping(self, indent: int, depth: int, lead: str | None = None) -> None:
        """Entries at `indent`; the first one after `lead` (say "- ") if given."""
        for n in range(self.draw(st.integers(1, 4 if depth == 0 else 3))):
            prefix = lead if n == 0 and lead is not None else self.indent(indent)
            head = f"{prefix}{self.key()}:"
            kind = self.draw(st.integers(0, 9)) if depth < 3 else 0
            if kind <= 4:
                first, more = self.value(len(prefix))
                self.lines.append(f"{head}{self.space()}{first}{self.comment()}")
                self.lines.extend(more)
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
                first, more = self.value(len(prefix))
                self.lines.append(f"{dash}{self.space()}{first}{self.comment()}")
                self.lines.extend(more)
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


# The documents and scalars drawn per run: 10,000 and more in all, in about half a minute.
@settings(max_examples=4000, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(documents())
def test_fast_path_agrees_with_libyaml_on_generated_documents(text: str) -> None:
    check(text)


# Every place a one-line value goes, in block and flow context; `{}` stands for it.
FRAMES = [
    "a: {}", "a:  {}  # c", "a:\n  b: {}\nc: d", "k:\n- {}", "k:\n-   {}", "k:\n  - a: {}",
    "k:\n- x: y\n  a: {}\n- {}", "k:\n- {}\n-\n  - {}", "{}: v", "k:\n- {}: v", "{}",
    "a: [{}]", "a: [x, {}]", "a: {k: {}}", "a: [{}, [{}]]", "a: {{}: v}", "a:\n  [\n  {}\n  ]",
    "k:\n  - {}\n  - x", "a: {}\nb: {}",
]  # fmt: skip
VALUES = st.one_of(SCALAR, SCALAR, NUMBERS, PROPERTIES, flow(), st.sampled_from(FRAMES))


@settings(max_examples=6000, deadline=None, database=None)
@given(st.sampled_from(FRAMES), VALUES)
def test_fast_path_agrees_with_libyaml_on_generated_values(frame: str, value: str) -> None:
    """Every scalar form, number and flow collection in every place a value goes."""
    check(frame.replace("{}", value, 1) + "\n")


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
# Disagreements this file found in the hand-written quick reader that came before
# rapidyaml (commit 8dab30a, LibYAML 0.2.6): an unknown escape before the first known one
# came back as written, where LibYAML rejects the text or decodes the escape.
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


# Where rapidyaml 0.15.2 reads otherwise than LibYAML 0.2.5: each was found by this file
# and is left to LibYAML by a gate in `_fast` (or by a check of ryml's output).
RYML = [
    "a: ]\n",
    "k:\n- }\n",
    "a: @x\n",
    "a: `x\n",
    "%YAML 1.2\na: b\n",
    "a: %x\n",  # text
    ": v\n",
    "k:\n- : v\n",
    "a: [?x]\n",
    "a: [:x]\n",
    "a: {b: ?x}\n",
    "a: ,x\n",  # indicators
    "...\na: b\n",
    "a: b\n...\nc: d\n",  # document end before a document
    "_k: |2+-\n    ,\n",
    "jm: |-2\n    \n    \n",
    "a: |x\n  b\n",
    "a: >1/\n  b\n",  # block
    "a: {b #c: d}\n",
    "a: { \n  b #c }\n",
    "a: [b #c]\n",  # comments in flow
    "a: [x:,y]\n",  # `:` before a flow indicator
    "a: {'\n ': v}\n",  # a quoted key over lines in a flow collection: LibYAML refuses it
    'a: {"x\n y": v}\n',
    'a: {"x\\\n y": v}\n',
    "a: ['x\n y': v]\n",
    "a: {'x\n y' : v}\n",
    "a: {k: 'it''s', 'x\n\n y': v}\n",
    "a: {x\n y: v}\n",  # a plain key over lines, likewise
    "a: [x\n y: v]\n",
    "a: {x:}\n",
    "a: [x :]\n",
    "a: [x::]\n",
    "a: {0:?x}\n",
    "a: [x:[y]]\n",
    'a: "\\n\\L\\L"\n',
    'a: "\\n\\P\\P"\n',
    'k:\n- "\\n\\L\\L\\a"\n',  # escapes
    "k:\n- 'a' b: v\n",
    'k:\n- "a" b: v\n',
    "k:\n- [a] b: c\n",
    "k:\n- {a: b} c: d\n",
    'k:\n- "a\n  b" c: d\n',
    "k:\n- [a,\n  b] c: d\n",
    "a:\n  k:\n  - 'a' b: v\n",  # entries
    "k" * 1025 + ": v\n",
    '"' + "\\x41" * 300 + '": v\n',
    "a" + " " * 1030 + ": v\n",  # keys
    "a: &x 1\nb: *x\n",
    "a: *x\n",
    "a: !!str 1\n",
    "a: !x 1\n",
    "a: &a.b 1\n",
    "a: &\n",
    "a: nan\n",
    "a: .NaN\n",
    "a: -inf\n",
    "nan: x\n",
    "a: -.5\n",
    "a: 1.\n",
    "a: .5\n",
    "a: -0\n",
    "a: +1\n",
    "a: 0.5\nb: -0.5\nc: 1.0\n",
    "a: [-0, 0]\n",
    "-0\n",
    "a: ~\nb: '~'\n",
    "a: [Null, NULL, 'Null']\n",
    "~: a\n",
    'a: "\\x7e"\n',
    "a: b\na: c\n",
    "a:\n  b: 1\n  b: 2\n",
    'a: "x\\": y"\nb: 1\nb: 2\n',  # duplicates
    "a: b\n---\nc: d\n",
    "---\na: b\n",
    "a: \x7f\n",
    "a: b\x85\n",
    "\ufeffa: b\n",
]


@pytest.mark.parametrize("text", TRICKY + FOUND + RYML)
def test_fast_path_agrees_with_libyaml_on_tricky_texts(text: str) -> None:
    check(text)


# What ryml's JSON writes differently from the text, and LibYAML's reading of it.
LOSSY = [
    ("-.5", "-.5"), ("1.", "1."), (".5", ".5"), ("1.0", "1.0"), ("nan", "nan"),
    (".NaN", ".NaN"), (".inf", ".inf"), ("-.inf", "-.inf"), ("~", None), ("'~'", "~"),
    ("+1", "+1"), ("True", "True"), ("FALSE", "FALSE"), ("true", "true"), ("false", "false"),
    ("019", "019"), ("0x1F", "0x1F"), ("1_000", "1_000"), ("-0", "-0"), ("0", "0"),
    ("1e3", "1e3"), ("null", None), ("Null", None), ("NULL", None), ("''", ""), ('""', ""),
    ("'null'", "null"), ('"NULL"', "NULL"), ("123456789012345678901234567890", None),
]  # fmt: skip


@pytest.mark.parametrize(("written", "value"), LOSSY)
def test_scalars_ryml_writes_otherwise_read_as_written(written: str, value: str | None) -> None:
    if value is None and written[0].isdigit():
        value = written
    for text in (f"a: {written}\n", f"a: [{written}]\n", f"a:\n- {written}\n"):
        doc = check(text)
        read = y.parse_yaml(text).value
        assert read in ({"a": value}, {"a": [value]}), text
        if doc is not y._UNSURE:
            assert doc == read


@pytest.mark.parametrize(
    "text",
    ["a: [x", "a: b: c", "- a\nb: c", "a: 'x", "a:\n  - b\n c: d", "{a", "a: ]", "a: !x 1"],
)
def test_ryml_errors_print_nothing(text: str, capfd: pytest.CaptureFixture[str]) -> None:
    """ryml's own handlers print every error to stderr (the C stream, not sys.stderr);
    the fast path's tree has quiet ones, and a library must not print."""
    assert y._fast(text) is y._UNSURE
    with pytest.raises(y.YamlError):
        y.parse_yaml(text) if text != "a: !x 1" else y.parse_yaml("a: !x 1\nb: [")
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_ryml_handlers_of_the_process_are_left_alone(capfd: pytest.CaptureFixture[str]) -> None:
    """The quiet handlers are the fast path's tree's own: ryml elsewhere in the process
    keeps its handlers (which raise ExceptionParse, and print)."""
    import ryml

    assert y._READER.tree is not None
    with pytest.raises(ryml.ExceptionParse):
        ryml.parse_in_arena(b"a: [x\n", ryml.Tree())
    assert "ERROR" in capfd.readouterr().err


def test_every_thread_reads_with_its_own_tree() -> None:
    texts = [f"n: {i}\nitems: [{i}, x{i}, true]\nmap: {{k{i}: v}}\n" for i in range(300)]
    expected = [y.parse_yaml(text).value for text in texts]
    results: dict[int, list[Any]] = {}

    def read(worker: int) -> None:
        results[worker] = [y.parse_yaml(text).value for text in texts]

    threads = [threading.Thread(target=read, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {n: expected for n in range(4)}
    assert all(y._fast(text) is not y._UNSURE for text in texts)


def test_a_huge_document_does_not_keep_its_memory() -> None:
    check("k:\n" + "- item\n" * 20_000)
    tree = y._READER.tree
    assert tree is not None and tree.capacity() <= 4096


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
        # Shapes the hand-written reader before rapidyaml left to LibYAML:
        ("topics: [AI, Robotics]\n", {"topics": ["AI", "Robotics"]}),
        ("p: {name: A, domain: a.example}\n", {"p": {"name": "A", "domain": "a.example"}}),
        ("title: a long\n  title\nb: 1\n", {"title": "a long title", "b": "1"}),
        ('title: "a long\n  title"\n', {"title": "a long title"}),
        ("title: plain # a comment\n", {"title": "plain"}),
        ("q: 1.5\nw: 640\nh: -1\nc: true\n", {"q": "1.5", "w": "640", "h": "-1", "c": "true"}),
        ('e: "\\U0001F600"\n', {"e": "😀"}),
        ('"quoted key": v\n', {"quoted key": "v"}),
        ("a: ~\nb: [~, '~']\n", {"a": None, "b": [None, "~"]}),
        ("title: \"AT&T: 100% *not* a [tag] !\"\n", {"title": "AT&T: 100% *not* a [tag] !"}),
    ],
)  # fmt: skip
def test_common_shapes_take_the_fast_path(text: str, value: Any) -> None:
    fast = check(text)
    assert fast is not y._UNSURE, "the fast path gave up on a common shape"
    if value is not None:
        assert fast == value


def test_typical_record_reads_as_written() -> None:
    value = check(TYPICAL)
    assert value["related"][0]["provider"]["name"] == 'Other "News"'
    assert value["related"][1] == {"title": "Two", "excerpt": None, "images": []}
    assert value["webUrl"] == "https://news.example/a/1"


def test_all_seed_records_take_the_fast_path() -> None:
    assert len(SEEDS) == 16
    for path in SEEDS:
        for text in front_matter(path):
            check(text)
        front, _ = YAMLHandler().split(path.read_text(encoding="utf-8"))
        assert y._fast(front) is not y._UNSURE, f"{path}: the fast path gave up"


def test_generated_records_take_the_fast_path(corpus: Path) -> None:
    """Nearly all records of bench/corpus.py; the few left to LibYAML begin a quoted
    title with `]` or hold a line over 1024 characters with a backslash in it."""
    paths = sorted(corpus.rglob("*.md"))
    taken = 0
    for path in paths:
        front, _ = YAMLHandler().split(path.read_text(encoding="utf-8"))
        taken += check(front) is not y._UNSURE
    assert taken >= 0.99 * len(paths)


# --- the test data ---------------------------------------------------------------


@pytest.mark.parametrize("path", DATA_RECORDS, ids=lambda p: str(p.relative_to(ROOT)))
def test_fast_path_agrees_with_libyaml_on_test_data(path: Path) -> None:
    for text in front_matter(path):
        check(text)


@pytest.mark.parametrize("items", [49_000, 100_000])
def test_fast_path_agrees_with_libyaml_on_long_documents(items: int) -> None:
    """Near the fast path's node limit, and past LibYAML's node budget."""
    fast = check("k:\n" + "- x\n" * items)
    assert (fast is not y._UNSURE) == (items < 50_000)


@pytest.mark.parametrize("depth", [62, 63, 64, 65, 70, 200])
def test_fast_path_agrees_with_libyaml_on_deep_nesting(depth: int) -> None:
    check("a: " + "[" * depth + "x" + "]" * depth + "\n")
    check("a: " + "{k: " * depth + "x" + "}" * depth + "\n")
    check("".join(" " * n + f"k{n}:\n" for n in range(depth)) + " " * depth + "v: x\n")
    check("k:\n" + "".join(" " * (2 * n) + "- \n" for n in range(depth)))


def test_test_data_is_found() -> None:
    assert any(p.parent.name == "invalid" for p in DATA_RECORDS)
    assert len(DATA_RECORDS) > 30


# --- what the fast path remembers between documents ----------------------------------


@pytest.mark.parametrize("key", ["k" * 101, ".nan", "-.inf", '",a"', '":a"', '"?a"', '""'])
def test_keys_are_checked_whatever_was_read_before(key: str) -> None:
    """Keys that passed the checks are remembered, so a mapping of them is not looked
    at key by key; a key not seen before is always checked, beside remembered ones."""
    check("title: a\nwebUrl: b\nprovider:\n  name: c\n")
    assert {"title", "webUrl", "provider", "name"} <= y._SAFE_KEYS
    for text in (f"title: a\n{key}: b\n", f"provider:\n  name: c\n  {key}: d\n"):
        assert y._fast(text) is y._UNSURE, text
        check(text)
    assert all(0 < len(k) <= y._LONG_KEY and k[0] not in ",:?" for k in y._SAFE_KEYS)
    assert not y._SAFE_KEYS & y._NANS


@pytest.mark.parametrize("spaces", [" ", "   "])
def test_a_document_end_and_an_entry_not_alone_are_both_found(spaces: str) -> None:
    """One search finds both (`_LINE_QUIRKS`), wherever they are in the text."""
    entry = f'k:\n-{spaces}"a" b: v\n'
    for text in ("x: y\n...\n", "x: y\n...", "...\nx: y\n", entry, "a: b\n" * 50 + entry):
        assert y._fast(text) is y._UNSURE, text
        check(text)
    assert y._fast(f'k:\n-{spaces}"a"\n-{spaces}[b]  \n') is not y._UNSURE


@pytest.mark.parametrize(
    "text",
    [
        "a: [{b: 1, b: 2}]\n",
        "- {a: 1}\n- {a: 1, a: 2}\n",
        "a: {b: {c: 1, c: 1}}\n",
        "a:\n  - b: 1\n    b: 2\n",
        '"a": 1\na: 2\n',
        "a: 1\n'a': 2\n",
        'a: "x\\": y"\nb: [1, 2]\nb: 3\n',
        "a: [x, y]\nc: {d: [], e: {}}\na: [x, y]\n",
    ],
)
def test_duplicates_anywhere_are_left_to_libyaml(text: str) -> None:
    """Duplicates are found by counting what msgspec read against ryml's nodes."""
    assert y._fast(text) is y._UNSURE
    check(text)
    assert y.parse_yaml(text).duplicates


@pytest.mark.parametrize(
    "text",
    ['a: "x\\": y"\n', "a: 'say \": '\n", 'a: ["\\": ", {b: "c\\": d"}]\n', "a: [[], {}, [[]]]\n"],
)
def test_keys_are_counted_without_reading_the_json(text: str) -> None:
    """A string holding `": ` is no duplicate: taken by the fast path, as LibYAML reads it."""
    assert check(text) is not y._UNSURE
