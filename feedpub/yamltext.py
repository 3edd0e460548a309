"""YAML text to plain values with line numbers, and none of YAML 1.1's guesses.

PyYAML's LibYAML composer builds the node tree; we turn nodes into dicts, lists,
strings and None ourselves, so `No`, `On` and `2020` stay text until the record
schema converts them, every key keeps its line for error messages, and no tag can
construct an object. Aliases are followed with a budget, so an alias bomb is an
error and not a memory blow-up.
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


class YamlError(ValueError):
    """YAML that cannot be used; `line` is 1-based within the text, when known."""

    def __init__(self, message: str, line: int | None = None, key: Key = ()) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.key = key  # the key the problem is under, when known


@dataclass(slots=True)
class Document:
    """A parsed YAML document: its value, its node tree (for line numbers, looked up
    only when a problem needs one) and the duplicate keys seen."""

    value: Value
    root: yaml.Node | None = None
    newlines: list[int] | None = None
    duplicates: list[tuple[Key, int]] = field(default_factory=list)

    def line(self, *key: str | int) -> int | None:
        """The line of `key` (of the key itself, in a mapping) or of its nearest parent."""
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
    # LibYAML also breaks lines at a lone CR, NEL, U+2028 and U+2029; people count "\n".
    # Only text that has one pays for counting lines ourselves.
    newlines = [m.start() for m in re.finditer("\n", text)] if _ODD_BREAK.search(text) else None
    try:
        # The base loader resolves no implicit types: every scalar stays text.
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        # "while scanning a quoted scalar" points where the trouble began; the problem
        # ("found unexpected end of stream") often only where it was noticed.
        mark = e.problem_mark
        if e.context_mark is not None and (mark is None or mark.index >= len(text.rstrip())):
            mark = e.context_mark
        line = _line(mark, newlines) if mark is not None else None
        context = f"{e.context}: " if e.context else ""
        raise YamlError(f"invalid YAML: {context}{e.problem}", line) from e
    except yaml.reader.ReaderError as e:  # no mark; its position counts UTF-8 bytes
        line = text.encode("utf-8", "surrogatepass")[: e.position].count(b"\n") + 1
        char = e.character if isinstance(e.character, int) else ord(e.character)
        raise YamlError(f"invalid YAML: {e.reason} (U+{char:04X})", line) from e
    except yaml.YAMLError as e:
        raise YamlError(f"invalid YAML: {e}") from e
    doc = Document(None, node, newlines)
    if node is not None:
        doc.value = _Converter(doc).convert(node, (), 0)
    return doc


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

    def fail(self, message: str, node: yaml.Node, key: Key = ()) -> YamlError:
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
            return [self.convert(child, (*key, i), depth + 1) for i, child in enumerate(node.value)]
        if kind is yaml.MappingNode:
            if node.tag != _MAP:
                raise self.fail(f"YAML tag {_short_tag(node.tag)} is not allowed", node, key)
            mapping: dict[str, Value] = {}
            for key_node, value_node in node.value:
                if type(key_node) is not yaml.ScalarNode:
                    raise self.fail("a key must be plain text, not a list or mapping", key_node)
                if key_node.tag not in _SCALAR_TAGS:
                    raise self.fail(f"YAML tag {_short_tag(key_node.tag)} is not allowed", key_node)
                name = str(key_node.value)
                if name in mapping:
                    line = _line(key_node.start_mark, self.doc.newlines)
                    self.doc.duplicates.append(((*key, name), line))
                mapping[name] = self.convert(value_node, (*key, name), depth + 1)
            return mapping
        raise self.fail("unsupported YAML node", node)  # pragma: no cover


def _line(mark: yaml.Mark, newlines: list[int] | None) -> int:
    """The 1-based line of `mark`, counting only "\n" as a line break."""
    if newlines is None:
        return int(mark.line) + 1
    return bisect_left(newlines, mark.index) + 1


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag
