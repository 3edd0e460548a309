"""YAML text to plain values with line numbers, and none of YAML 1.1's guesses.

PyYAML's LibYAML composer builds the node tree; we turn nodes into dicts, lists,
strings and None ourselves, so `No`, `On` and `2020` stay text until the record
schema converts them, every key keeps its line for error messages, and no tag can
construct an object. Aliases are followed with a budget, so an alias bomb is an
error and not a memory blow-up.

Most front matter is a few dozen lines of `key: value` and `- item` in block style.
`_quick` reads exactly that shape in one pass, several times faster than building
LibYAML's node tree, and gives up (returns `_UNSURE`) at the first line outside it:
flow collections other than `[]` and `{}`, multi-line scalars, escapes it does not
know, anchors, tags, comments after plain values, duplicate keys, unusual characters.
LibYAML then reads the whole text, so it stays the authority on everything the quick
reader does not handle, and on every error message. Line numbers are looked up, by composing the
text with LibYAML, only when a problem needs one.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

import yaml

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


def parse_yaml(text: str) -> Document:
    """Parse one YAML document safely; raise `YamlError` for anything unusable."""
    value = _quick(text)
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


# --- the quick reader ------------------------------------------------------------

_UNSURE = object()  # what _quick returns for text it leaves to LibYAML
# Anything but a line feed and the printable characters LibYAML reads as they are:
# tabs, CR, NEL, U+2028/U+2029, the BOM and control characters all go to LibYAML.
_QUICK_CHARS = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
# The longest key the quick reader takes (LibYAML allows 1024 characters).
_MAX_KEY = 201
_DOUBLE = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"(?: +#.*)?\Z')
_SINGLE = re.compile(r"'([^']*(?:''[^']*)*)'(?: +#.*)?\Z")
_ESCAPE = re.compile(r"\\(?:([0abtnvfre \"/\\N_LP])|x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4}))")
_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\",
    "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029",
}  # fmt: skip
# First characters that make a plain scalar something else (or something we leave).
_INDICATORS = frozenset("?:,[]{}#&*!|>'\"%@`")
_QUICK_DEPTH = 32


class _Unsure(Exception):
    """The quick reader met something it leaves to LibYAML."""


def _quick(text: str) -> Value | object:
    """`text` as `_Converter` would give it, for block-style text of keys, items and
    one-line scalars; `_UNSURE` for anything else."""
    if len(text) > 1_000_000 or _QUICK_CHARS.search(text):
        return _UNSURE
    # Each line: (indent, key, raw value). A key of None is a sequence entry, whose
    # raw value is its scalar, or None when the item is a block (a mapping can begin
    # on the entry's own line: it is the next token, at a deeper column).
    tokens: list[tuple[int, str | None, str | None]] = []
    for line in text.split("\n"):
        content = line.lstrip(" ")
        if not content or content[0] == "#":
            continue
        indent = len(line) - len(content)
        content = content.rstrip(" ")
        if content[0] == "-" and (len(content) == 1 or content[1] == " "):
            rest = content[1:].lstrip(" ")
            pair = _key_and_value(rest)
            if pair is not None:
                tokens.append((indent, None, None))
                indent += len(content) - len(rest)
            elif not rest:
                tokens.append((indent, None, None))
                continue
            elif rest[0] == "#":
                return _UNSURE
            else:
                tokens.append((indent, None, rest))
                continue
        else:
            pair = _key_and_value(content)
            if pair is None:
                return _UNSURE
        key, raw = pair
        tokens.append((indent, key, raw if raw and raw[0] != "#" else None))
    if not tokens or tokens[0][0] != 0 or tokens[0][1] is None or len(tokens) > _MAX_NODES // 2:
        return _UNSURE
    try:
        value, end = _quick_map(tokens, 0, 0, 0)
    except _Unsure:
        return _UNSURE
    return value if end == len(tokens) else _UNSURE


Tokens = list[tuple[int, str | None, str | None]]


def _key_and_value(content: str) -> tuple[str, str] | None:
    """`key: value` (or `key:`) split, for a plain key of ASCII letters, digits, `_`
    and `-` (not first); None for anything else. `content` has no trailing spaces."""
    colon = content.find(":")
    if colon <= 0 or colon > _MAX_KEY:
        return None
    key = content[:colon]
    if not key.isascii() or key[0] == "-" or not key.replace("-", "_").isidentifier():
        return None
    if colon + 1 == len(content):
        return key, ""
    if content[colon + 1] != " ":
        return None
    return key, content[colon + 2 :].lstrip(" ")


def _quick_block(tokens: Tokens, i: int, depth: int) -> tuple[Value, int]:
    if depth > _QUICK_DEPTH:
        raise _Unsure
    indent, key, _ = tokens[i]
    if key is None:
        return _quick_seq(tokens, i, indent, depth)
    return _quick_map(tokens, i, indent, depth)


def _quick_map(tokens: Tokens, i: int, indent: int, depth: int) -> tuple[Value, int]:
    mapping: dict[str, Value] = {}
    end = len(tokens)
    while i < end:
        at, key, raw = tokens[i]
        if at != indent or key is None:
            break
        if key in mapping:
            raise _Unsure  # LibYAML's reading reports the duplicate with its line
        i += 1
        if raw is not None:
            mapping[key] = _quick_scalar(raw)
        elif i < end and tokens[i][0] > indent:
            mapping[key], i = _quick_block(tokens, i, depth + 1)
        elif i < end and tokens[i][0] == indent and tokens[i][1] is None:
            mapping[key], i = _quick_seq(tokens, i, indent, depth + 1)  # "key:\n- item"
        else:
            mapping[key] = None
    return mapping, i


def _quick_seq(tokens: Tokens, i: int, indent: int, depth: int) -> tuple[Value, int]:
    items: list[Value] = []
    end = len(tokens)
    while i < end:
        at, key, raw = tokens[i]
        if at != indent or key is not None:
            break
        i += 1
        if raw is not None:
            items.append(_quick_scalar(raw))
        elif i < end and tokens[i][0] > indent:
            item, i = _quick_block(tokens, i, depth + 1)
            items.append(item)
        else:
            items.append(None)
    return items, i


def _quick_scalar(raw: str) -> Value:
    first = raw[0]
    if first == '"' and raw[-1] == '"' and raw.count('"') == 2 and "\\" not in raw:
        return raw[1:-1]  # nearly every quoted value: nothing to unescape
    if first == "[" or first == "{":
        if raw == "[]":
            return []
        if raw == "{}":
            return {}
        raise _Unsure
    if first == '"':
        match = _DOUBLE.match(raw)
        if match is None:
            raise _Unsure
        value = match[1]
        if "\\" in value:
            return _unescape(value)
        return value
    if first == "'":
        match = _SINGLE.match(raw)
        if match is None:
            raise _Unsure
        return match[1].replace("''", "'")
    if (
        first in _INDICATORS
        or (first == "-" and (len(raw) == 1 or raw[1] == " "))
        or ": " in raw
        or " #" in raw
        or raw[-1] == ":"
    ):
        raise _Unsure
    return None if raw in _NULLS else raw


def _unescape(value: str) -> str:
    """A double-quoted scalar's escapes, decoded as LibYAML does."""
    parts = _ESCAPE.split(value)
    # split gives: text, (name, hex2, hex4) per escape, text, ...
    if any("\\" in text for text in parts[::4]):
        raise _Unsure  # an escape the quick reader does not know
    out = [parts[0]]
    for k in range(1, len(parts), 4):
        name, hex2, hex4, text = parts[k : k + 4]
        if name is not None:
            out.append(_ESCAPES[name])
        else:
            code = int(hex2 or hex4, 16)
            if 0xD800 <= code <= 0xDFFF:
                raise _Unsure
            out.append(chr(code))
        out.append(text)
    return "".join(out)
