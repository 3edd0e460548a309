"""YAML text to plain values with line numbers, and none of YAML 1.1's guesses.

PyYAML's LibYAML composer builds the node tree; we turn nodes into dicts, lists,
strings and None ourselves, so `No`, `On` and `2020` stay text until the record
schema converts them, every key keeps its line for error messages, and no tag can
construct an object. Aliases are followed with a budget, so an alias bomb is an
error and not a memory blow-up.

Most front matter is read by rapidyaml instead (`_fast`): ryml (C++) parses the text
into its tree and writes the tree as JSON, and msgspec reads that JSON; the numbers and
booleans ryml writes bare are turned back into the text written. That is several times
faster than LibYAML's node tree. Where ryml (YAML 1.2, lenient in places) may read a
text otherwise than LibYAML, or its JSON may not tell what was written, `_fast` gives up
(returns `_UNSURE`): tabs and other unusual characters, block scalars, tags, anchors and
aliases, duplicate keys, `nan`, `-0`, and each case the differential test found
(tests/test_yamltext_fast.py). LibYAML then reads the whole text, so it stays the
authority on everything the fast path does not take, and on every error message; this
module holds no YAML grammar of its own. Line numbers are looked up, by composing the
text with LibYAML, only when a problem needs one.
"""

from __future__ import annotations

import ctypes
import re
import threading
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import msgspec
import ryml  # type: ignore[import-untyped]
import yaml
from ryml import _ryml

if not yaml.__with_libyaml__:  # pragma: no cover - depends on how PyYAML was built
    raise ImportError(
        "PyYAML was built without LibYAML; feedpub needs it (parsing is ~9x slower without)"
    )

Value = dict[str, "Value"] | list["Value"] | str | None
Key = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
# Tags the safe resolver gives plain scalars; their text is kept and converted by the schema.
_SCALAR_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "timestamp", "null", "binary")}
_ODD_BREAK = re.compile("\r(?!\n)|[\x85\u2028\u2029]")
_NULL, _SEQ, _MAP = _TAG + "null", _TAG + "seq", _TAG + "map"
# Plain scalars that mean "no value" in YAML 1.2's core schema.
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_MAX_NODES = 100_000
_DEFAULT_TAGS = {yaml.ScalarNode: _TAG + "str", yaml.SequenceNode: _SEQ, yaml.MappingNode: _MAP}
_MAX_DEPTH = 64
# The key whose value (keys, text, tags and all) is never kept, published or shown.
_SECURED = "secured"


class YamlError(ValueError):
    """YAML that cannot be used; `line` is 1-based within the text, when known."""

    def __init__(self, message: str, line: int | None = None, key: Key = ()) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.key = key  # the key the problem is under, when known


@dataclass(slots=True)
class Document:
    """A parsed YAML document: its value, its text (composed again for line numbers
    only when a problem needs one) and the duplicate keys seen."""

    value: Value
    text: str = ""
    root: yaml.Node | None = None
    newlines: list[int] | None = None
    duplicates: list[tuple[Key, int]] = field(default_factory=list)

    def line(self, *key: str | int) -> int | None:
        """The line of `key` (of the key itself, in a mapping) or of its nearest parent."""
        if self.root is None and self.text:
            self.root = _compose(self.text, self.newlines)
        node = self.root
        line = None
        for part in key:
            child = None
            if isinstance(node, yaml.MappingNode) and isinstance(part, str):
                for key_node, value_node in node.value:  # the last of duplicates wins
                    if key_node.value == part:
                        child, line = value_node, _line(key_node.start_mark, self.newlines)
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(part, int)
                and 0 <= part < len(node.value)
            ):
                child = node.value[part]
                line = _line(child.start_mark, self.newlines)
            if child is None:
                break
            node = child
        return line


def parse_yaml(text: str, utf8: bytes | None = None) -> Document:
    """Parse one YAML document safely; raise `YamlError` for anything unusable.

    `utf8`, when given, is `text` encoded as UTF-8 (which the caller may have already)."""
    value = _fast(text, utf8)
    if value is not _UNSURE:
        return Document(value, text)  # type: ignore[arg-type]
    # LibYAML also breaks lines at a lone CR, NEL, U+2028 and U+2029; people count "\n".
    # Only text that has one pays for counting lines ourselves.
    newlines = [m.start() for m in re.finditer("\n", text)] if _ODD_BREAK.search(text) else None
    node = _compose(text, newlines)
    doc = Document(None, text, node, newlines)
    if node is not None:
        doc.value = _Converter(doc).convert(node, (), 0)
    return doc


def _compose(text: str, newlines: list[int] | None) -> yaml.Node | None:
    """LibYAML's node tree for `text`; its errors as `YamlError`s with a line."""
    try:
        # The base loader resolves no implicit types: every scalar stays text.
        return yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        # "while scanning a quoted scalar" points where the trouble began; the problem
        # ("found unexpected end of stream") often only where it was noticed.
        mark = e.problem_mark
        if e.context_mark is not None and (mark is None or mark.index >= len(text.rstrip())):
            mark = e.context_mark
        context = f"{e.context}: " if e.context else ""
        message = f"invalid YAML: {context}{e.problem}"
        quoted = _quoted_before(text, mark) if mark is not None else None
        if quoted is not None:
            # A quote left open swallows the lines up to the next quote, and LibYAML
            # notices only after it: the mistake is where the swallowing began.
            mark, end = quoted.start_mark, _line(quoted.end_mark, newlines)
            lines = end - _line(mark, newlines) + 1
            message += f" (a quoted value starting here runs over {lines} lines: a quote missing?)"
        line = _line(mark, newlines) if mark is not None else None
        raise YamlError(message, line) from e
    except yaml.reader.ReaderError as e:  # no mark; its position counts UTF-8 bytes
        line = text.encode("utf-8", "surrogatepass")[: e.position].count(b"\n") + 1
        char = e.character if isinstance(e.character, int) else ord(e.character)
        raise YamlError(f"invalid YAML: {e.reason} (U+{char:04X})", line) from e
    except yaml.YAMLError as e:
        raise YamlError(f"invalid YAML: {e}") from e


def _quoted_before(text: str, mark: yaml.Mark) -> yaml.ScalarToken | None:
    """The quoted scalar spanning lines that ends just before `mark`, if there is one."""
    last = None
    try:
        for token in yaml.scan(text, Loader=_Loader):
            if token.start_mark.index >= mark.index:
                break
            last = token
    except yaml.YAMLError:
        pass  # the tokens before the error are all we need
    if (
        isinstance(last, yaml.ScalarToken)
        and last.style in ('"', "'")
        and last.start_mark.line < last.end_mark.line
    ):
        return last
    return None


class _Loader(yaml.CBaseLoader):
    """LibYAML's parser with no type resolution at all: untagged nodes get the
    default tag of their kind, which is all the base resolver would give them anyway."""

    def resolve(self, kind: type[yaml.Node], value: object, implicit: object) -> str:
        return _DEFAULT_TAGS[kind]


class _Converter:
    """Nodes to plain values, counting nodes so aliases cannot multiply without end."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.budget = _MAX_NODES
        # Every node at or under a `secured` key (ids: nodes are not hashable by value).
        # An alias elsewhere to one of them would copy secured text into a field.
        self.secured: set[int] = set()

    def fail(self, message: str, node: yaml.Node, key: Key = ()) -> YamlError:
        if _SECURED in key:  # what is under `secured` is never shown: not a key, not a tag
            key, message = _public(key), "not usable YAML (the value is never shown)"
        return YamlError(message, _line(node.start_mark, self.doc.newlines), key)

    def convert(self, node: yaml.Node, key: Key, depth: int) -> Value:
        self.budget -= 1
        if self.budget < 0:
            raise self.fail(
                f"too many YAML nodes (over {_MAX_NODES}); aliases nested too deep?", node
            )
        if depth > _MAX_DEPTH:
            raise self.fail(f"YAML nested more than {_MAX_DEPTH} levels deep", node, key[:1])
        kind = type(node)
        if kind is yaml.ScalarNode:
            if node.tag not in _SCALAR_TAGS:
                raise self.fail(f"YAML tag {_short_tag(node.tag)} is not allowed", node, key)
            value = str(node.value)
            # LibYAML gives plain (unquoted) scalars the style "" (the Python parser, None).
            if node.tag == _NULL or (not node.style and value in _NULLS):  # type: ignore[attr-defined]
                return None
            return value
        if kind is yaml.SequenceNode:
            if node.tag != _SEQ:
                raise self.fail(f"YAML tag {_short_tag(node.tag)} is not allowed", node, key)
            items = []
            for i, child in enumerate(node.value):
                self.refuse_secured(child, node, (*key, i))
                items.append(self.convert(child, (*key, i), depth + 1))
            return items
        if kind is yaml.MappingNode:
            if node.tag != _MAP:
                raise self.fail(f"YAML tag {_short_tag(node.tag)} is not allowed", node, key)
            mapping: dict[str, Value] = {}
            for key_node, value_node in node.value:
                self.refuse_secured(key_node, node, key)
                if type(key_node) is not yaml.ScalarNode:
                    raise self.fail(
                        "a key must be plain text, not a list or mapping", key_node, key
                    )
                if key_node.tag not in _SCALAR_TAGS:
                    message = f"YAML tag {_short_tag(key_node.tag)} is not allowed"
                    raise self.fail(message, key_node, key)
                name = str(key_node.value)
                if name == _SECURED:
                    self.hold(value_node)
                else:
                    self.refuse_secured(value_node, key_node, (*key, name))
                if name in mapping:
                    line = _line(key_node.start_mark, self.doc.newlines)
                    self.doc.duplicates.append((_public((*key, name)), line))
                mapping[name] = self.convert(value_node, (*key, name), depth + 1)
            return mapping
        raise self.fail("unsupported YAML node", node)  # pragma: no cover

    def refuse_secured(self, node: yaml.Node, at: yaml.Node, key: Key) -> None:
        """Fail if `node` (met through an alias) is secured and `key` is not: reported
        at `at`, the key or list it is used in, since an alias has no mark of its own."""
        if self.secured and id(node) in self.secured and _SECURED not in key:
            raise self.fail("an alias to a part of secured is not allowed", at, key)

    def hold(self, node: yaml.Node) -> None:
        """Mark `node`, the value of a `secured` key, and every node under it."""
        todo = [node]
        while todo:
            node = todo.pop()
            if id(node) in self.secured:
                continue  # met before, through an alias: its nodes are marked
            self.secured.add(id(node))
            if type(node) is yaml.SequenceNode:
                todo.extend(node.value)
            elif type(node) is yaml.MappingNode:
                for pair in node.value:
                    todo.extend(pair)


def _public(key: Key) -> Key:
    """`key` cut after its first `secured` part: keys under it are secured text too."""
    return key[: key.index(_SECURED) + 1] if _SECURED in key else key


def _line(mark: yaml.Mark, newlines: list[int] | None) -> int:
    """The 1-based line of `mark`, counting only "\n" as a line break."""
    if newlines is None:
        return int(mark.line) + 1
    return bisect_left(newlines, mark.index) + 1


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag


# --- the fast path: rapidyaml ----------------------------------------------------------

_UNSURE = object()  # what _fast returns for text it leaves to LibYAML


class _Unsure(Exception):
    """The fast path met something it leaves to LibYAML."""


class _PlainNull(Exception):
    """A string `~`, `Null` or `NULL`: ryml writes the plain ones, nulls, as strings."""


def _fast(text: str, data: bytes | None = None) -> Value | object:
    """`text` (`data` its UTF-8, when given) as `_Converter` would give it, read by
    rapidyaml; `_UNSURE` where that may differ from LibYAML's reading, and for every error."""
    if data is None:
        try:
            data = text.encode()
        except UnicodeEncodeError:  # a lone surrogate
            return _UNSURE
    lines = b"\n" + data  # every line, the first too, begins after a line feed
    if _odd(data, lines):
        return _UNSURE
    reader = _READER
    try:
        if not reader.parse(data, maybe_properties=_starts_node(lines, b"!&*")):
            return _UNSURE
        try:
            return reader.values(nulls_read=False)
        except _PlainNull:
            reader.empty_plain_nulls()
            return reader.values(nulls_read=True)
    except (_Unsure, RuntimeError, msgspec.DecodeError):  # ryml's errors, made quiet
        return _UNSURE
    finally:
        if len(data) > 8192:  # only a text as long can grow the tree past its limits
            reader.release()


# --- where ryml reads otherwise: each case was found by the differential test ---------

# Any character but a line feed and the printable ones: tabs, CR, NEL, U+2028 and U+2029
# (line breaks in YAML 1.1, not in ryml's 1.2), the BOM and controls (searched in what
# is left of the UTF-8 text once printable ASCII is taken out, usually a few letters).
_ODD_CHARS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F)) + b"\n"
# LibYAML refuses a key that runs over 1024 characters to its `:`, ryml does not. Keys
# over 100 characters go to LibYAML; one shorter runs as far only with escapes or
# many spaces before its `:`, on a line over 1024 characters.
_LONG_KEY = 100
_LONG_LINE = re.compile(b"\n[^\n]{1025}")
_COLON_BEFORE_FLOW = re.compile(rb":[,?\[\]{}:]")
# A flow collection that runs over lines (a `[` or `{` with no `]` or `}` after it on its
# line): there LibYAML refuses a key over lines, quoted or plain (`{'x\n y': v}`,
# `{x\n y: v}`), and ryml takes it. Records rarely write one; a bracket in text that
# matches too only sends the text to LibYAML.
_FLOW_OVER_LINES = re.compile(rb"[\[{][^\n\]}]*\n")
# At a line's start: a document end (`...`: LibYAML refuses what follows it), or a
# sequence entry that is a quoted scalar or a flow collection but not alone on its
# line. ryml reads `- "a" b: c` (and the like over lines) in a sequence at its key's
# indentation as the entry "a" and a key `b` of the mapping above; LibYAML refuses it.
# One search for both: each search of the text has a cost of its own.
_LINE_QUIRKS = re.compile(
    rb"\n(?:\.\.\."
    rb"""| *- +(?=["'\[{])"""
    rb"""(?!(?:"[^"\\\n]*"|'[^'\n]*'|\[[^\[\]{}#\n]*\]|\{[^\[\]{}#\n]*\}) *(?:\n|\Z)))"""
)
_MANY_SPACES = b" " * 20


def _odd(data: bytes, lines: bytes) -> bool:
    """Whether `data` (`lines` is a line feed and `data`) has something ryml reads
    otherwise than LibYAML."""
    if len(data) > 1_000_000:
        return True
    rest = data.translate(None, _PRINTABLE_ASCII)
    if rest and _ODD_CHARS.search(rest.decode()):
        return True
    return (
        # The escapes \L and \P: ryml may fold a line break escaped before them.
        (b"\\" in data and (b"\\L" in data or b"\\P" in data))
        or ((b"\\" in data or _MANY_SPACES in data) and _LONG_LINE.search(lines) is not None)
        # `%` (a directive, at a line's start), `@` and a backquote, which LibYAML
        # refuses and ryml takes as text; block scalars (`|`, `>`), whose spaces the two
        # count differently.
        or _starts_node(lines, b"|>%@`")
        # `]` or `}` where a block node may begin, which LibYAML refuses and ryml takes as
        # text, or right after `:` (`[x:]`), which LibYAML refuses and ryml takes as a key.
        or _starts_node(lines, b"]}", right_after=b"\n:")
        # A flow collection, not empty, with a comment (in one ryml reads ` #` as text),
        # a `:` before a flow indicator (LibYAML refuses `[x:,y]`, ryml reads a key), or
        # over lines.
        or (
            _starts_node(lines, b"[{", not_before=b"]}")
            and (
                b"#" in data
                or _COLON_BEFORE_FLOW.search(data) is not None
                or _FLOW_OVER_LINES.search(data) is not None
            )
        )
        or _LINE_QUIRKS.search(lines) is not None
    )


def _starts_node(
    lines: bytes, chars: bytes, right_after: bytes = b"\n:,[{", not_before: bytes = b""
) -> bool:
    """Whether one of `chars` is where a node may begin in `lines` (text after a line
    feed): right after one of `right_after`, after one of those or `-`, `?`, `:` and a
    space, or after two spaces (more than needed, but cheap to find); and not right
    before one of `not_before`."""
    after_blank = right_after + b"-?: "
    for char in chars:
        at = lines.find(char)
        while at > 0:  # bytes.find finds the character at C speed
            before = lines[at - 1]
            after = lines[at + 1 : at + 2]
            if (before in right_after or (before == 0x20 and lines[at - 2] in after_blank)) and (
                not after or after not in not_before
            ):
                return True
            at = lines.find(char, at + 1)
    return False


# What a key or a string read from ryml's JSON may not begin with: `,`, which LibYAML
# does not let a plain scalar begin with and ryml does, and `:` and `?`, which LibYAML
# reads as indicators in flow context (these are common in text: looking for them
# where a node may begin would cost more). Quoted ones go to LibYAML too.
_ODD_FIRST = frozenset(",:?")
# Strings ryml writes for plain scalars LibYAML keeps as written: `nan` as ".nan" and
# `-inf` as "-.inf" (and their other spellings), which are also what it writes for the
# quoted ones; and keys ryml writes as strings whatever they are.
_NANS = frozenset((".nan", ".inf", "-.inf"))
_NULL_TEXTS = frozenset(("~", "Null", "NULL"))  # plain ones are None, quoted ones text
_CHECK_FIRST = _ODD_FIRST | {text[0] for text in _NANS | _NULL_TEXTS}
# A bare `-0` in ryml's JSON (after a space, `,` or `[`, before `,`, `]`, `}` or a line's
# end): it is read as the integer 0, which is written "0".
_NEGATIVE_ZERO = re.compile(rb"-0(?<![^ ,\[]-0)(?=[,\]}\n]|\Z)")


def _read(container: dict[str, Any] | list[Any], nulls_read: bool, zeros: list[int]) -> int:
    """Turn every scalar in `container` (a dict or list from ryml's JSON, and those in
    it) into what `_Converter` gives, in place; return how many entries (keys and list
    items) it holds, its own and those of the containers in it.

    Numbers become the text written, `true` and `false` text; integers 0 are counted
    in `zeros` (ryml may have read `-0`). Raise `_Unsure` for text ryml may read
    otherwise than LibYAML and `_PlainNull` for a `~` unless `nulls_read`."""
    entries = len(container)
    if container.__class__ is dict:
        # One comparison, in C, for a mapping of keys met before: nearly every one.
        if not container.keys() <= _SAFE_KEYS:
            _check_keys(container)
        pairs: Any = container.items()
    else:
        pairs = enumerate(container)
    for at, value in pairs:
        kind = value.__class__
        if kind is str:
            if value[:1] in _CHECK_FIRST:  # one look-up for nearly every string
                _check_text(value, nulls_read)
        elif kind is dict or kind is list:
            entries += _read(value, nulls_read, zeros)
        elif kind is int:
            if not value:
                zeros.append(0)
            container[at] = str(value)
        elif kind is bool:
            container[at] = "true" if value else "false"
    return entries


# Keys `_check_keys` let through, so a mapping of them needs no look at each: the
# record schema's keys and a few more, kept to a bounded number.
_SAFE_KEYS: set[str] = set()
_SAFE_KEYS_KEPT = 1024


def _check_keys(mapping: dict[str, Any]) -> None:
    """Raise `_Unsure` for a key ryml may read otherwise than LibYAML: empty, long,
    beginning with an indicator, or what ryml writes for a NaN or an infinity."""
    for key in mapping:
        if not 0 < len(key) <= _LONG_KEY or key[0] in _ODD_FIRST or key in _NANS:
            raise _Unsure
    if len(_SAFE_KEYS) + len(mapping) <= _SAFE_KEYS_KEPT:
        _SAFE_KEYS.update(mapping)


def _check_text(value: str, nulls_read: bool) -> None:
    """Raise `_Unsure` or `_PlainNull` for a string `_read` may not take as it is."""
    if value[0] in _ODD_FIRST or value in _NANS:
        raise _Unsure
    if value in _NULL_TEXTS and not nulls_read:
        raise _PlainNull


def _float_text(text: str) -> str:
    """A JSON number with a fraction or exponent, as the YAML wrote it."""
    # ryml writes `.5` as 0.5 and `1.` as 1.0: such a number may not be what was written.
    if text.startswith(("0.", "-0.")) or text.endswith(".0"):
        raise _Unsure
    return text


_JSON = msgspec.json.Decoder(float_hook=_float_text)


# --- ryml, quiet ----------------------------------------------------------------------

# ryml's node flags for tags, anchors and aliases.
_PROPERTY_BITS = ryml.KEYTAG | ryml.VALTAG | ryml.KEYANCH | ryml.VALANCH | ryml.KEYREF | ryml.VALREF


class _Reader(threading.local):
    """Per thread: a ryml tree whose errors print nothing, reused, and a buffer for the
    JSON it writes."""

    def __init__(self) -> None:
        self.tree = _quiet_tree()
        self.buffer = bytearray(1 << 16)
        self.size = 0  # the nodes of the tree parsed last

    def parse(self, data: bytes, maybe_properties: bool) -> bool:
        """Parse `data` into the tree; False where ryml refuses it, or leave it to
        LibYAML: several documents, too many nodes, tags, anchors and aliases."""
        tree = self.tree
        if tree is None:
            return False
        tree.clear()
        tree.clear_arena()
        ryml.parse_in_arena(data, tree)
        size = self.size = tree.size()
        if tree.is_stream(tree.root_id()) or size > _MAX_NODES // 2:
            return False
        # ryml's node flags, asked only where one may be: each call costs a microsecond.
        return not maybe_properties or not any(
            map(tree.type_has_any, range(size), repeat(_PROPERTY_BITS))
        )

    def values(self, nulls_read: bool) -> Value:
        """The tree as plain values; see `_read`."""
        try:
            out = ryml.emit_json_in_place(self.tree, self.buffer)
        except IndexError:  # the buffer is too small: one that fits, with room to spare
            self.buffer = bytearray(2 * ryml.compute_json_length(self.tree))
            out = ryml.emit_json_in_place(self.tree, self.buffer)
        if not out:
            return None  # an empty document, or only comments
        box = [_JSON.decode(out)]
        zeros: list[int] = []
        # msgspec keeps the last of duplicate keys, and ryml's tree has a node for each
        # key and list entry written (and the root): fewer read than the tree's nodes
        # means a duplicate, which LibYAML reports. (Counting the `": ` ryml writes after
        # each key costs more than the whole `_read`: a search for a pattern that ends
        # in a space, in text, stops at every space.)
        if _read(box, nulls_read, zeros) != self.size:
            raise _Unsure
        if zeros and _NEGATIVE_ZERO.search(out):
            raise _Unsure
        return box[0]  # type: ignore[no-any-return]

    def empty_plain_nulls(self) -> None:
        """Make plain `~`, `Null` and `NULL` empty, so ryml writes them as null."""
        tree = self.tree
        if tree is None:  # pragma: no cover - parse() gave False, nothing was read
            return
        for node in range(tree.size()):
            if tree.is_val_plain(node) and tree.val(node) in (b"~", b"Null", b"NULL"):
                tree._set_val(node, None)

    def release(self) -> None:
        """Let go of a huge document's memory: a tree keeps what it has grown to."""
        tree = self.tree
        if tree is not None and (tree.capacity() > 4096 or tree.arena_capacity() > 1 << 20):
            self.tree = _quiet_tree()


def _quiet_tree() -> ryml.Tree | None:
    """A ryml tree whose errors raise without printing; None where that cannot be had.

    ryml's default error handlers write the error to stderr before they throw, and its
    Python module offers no way to change them. A tree copies the global handlers when
    it is made, so we set handlers that throw a C++ exception (`std::bad_alloc`, which
    the module raises as RuntimeError) without a word, make the tree and put the global
    handlers back. Without them the fast path is off: a library must not print.
    """
    try:
        lib = ctypes.PyDLL(_ryml.__file__)  # PyDLL: the GIL stays held
        get_callbacks = lib._ZN2c43yml13get_callbacksEv
        set_callbacks = lib._ZN2c43yml13set_callbacksERKNS0_9CallbacksE
        throw = ctypes.cast(lib._ZSt17__throw_bad_allocv, ctypes.c_void_p).value
    except (OSError, AttributeError):  # pragma: no cover - another build of ryml
        return None
    get_callbacks.restype = ctypes.c_void_p
    set_callbacks.argtypes = [ctypes.c_void_p]
    # struct Callbacks: user data, allocate, free, then the basic, parse and visit errors.
    callbacks = ctypes.c_void_p * 6
    with _QUIET_LOCK:
        saved = callbacks.from_buffer_copy(callbacks.from_address(get_callbacks()))
        quiet = callbacks(*saved[:3], throw, throw, throw)
        set_callbacks(ctypes.addressof(quiet))
        try:
            return ryml.Tree()
        finally:
            set_callbacks(ctypes.addressof(saved))


_QUIET_LOCK = threading.Lock()
_READER = _Reader()
