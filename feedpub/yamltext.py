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
_MAX_NODES = 100_000
_MAX_DEPTH = 64


class YamlError(ValueError):
    """YAML that cannot be used; `line` is 1-based within the text, when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(slots=True)
class Document:
    """A parsed YAML document: its value, the line of every key, duplicate keys seen."""

    value: Value
    lines: dict[Key, int] = field(default_factory=dict)
    duplicates: list[tuple[Key, int]] = field(default_factory=list)

    def line(self, *key: str | int) -> int | None:
        """The line of `key` or, failing that, of its nearest parent."""
        k: Key = key
        while k:
            if k in self.lines:
                return self.lines[k]
            k = k[:-1]
        return None


def parse_yaml(text: str) -> Document:
    """Parse one YAML document safely; raise `YamlError` for anything unusable."""
    # LibYAML also breaks lines at a lone CR, NEL, U+2028 and U+2029; people count "\n".
    # Only text that has one pays for counting lines ourselves.
    newlines = [m.start() for m in re.finditer("\n", text)] if _ODD_BREAK.search(text) else None
    try:
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = _line(mark, newlines) if mark is not None else None
        raise YamlError(f"invalid YAML: {e.problem or e.context}", line) from e
    except yaml.reader.ReaderError as e:  # no mark; its position counts UTF-8 bytes
        line = text.encode("utf-8", "surrogatepass")[: e.position].count(b"\n") + 1
        char = e.character if isinstance(e.character, int) else ord(e.character)
        raise YamlError(f"invalid YAML: {e.reason} (U+{char:04X})", line) from e
    except yaml.YAMLError as e:
        raise YamlError(f"invalid YAML: {e}") from e
    doc = Document(None)
    if node is None:
        return doc
    budget = [_MAX_NODES]
    doc.value = _convert(node, (), doc, budget, 0, newlines)
    return doc


def _convert(
    node: yaml.Node,
    key: Key,
    doc: Document,
    budget: list[int],
    depth: int,
    newlines: list[int] | None,
) -> Value:
    budget[0] -= 1
    line = _line(node.start_mark, newlines)
    if budget[0] < 0:
        raise YamlError(f"too many YAML nodes (over {_MAX_NODES}); aliases nested too deep?", line)
    if depth > _MAX_DEPTH:
        raise YamlError(f"YAML nested more than {_MAX_DEPTH} levels deep", line)
    if isinstance(node, yaml.ScalarNode):
        if node.tag not in _SCALAR_TAGS:
            raise YamlError(f"YAML tag {_short_tag(node.tag)} is not allowed", line)
        if node.tag == _TAG + "null":
            return None
        return str(node.value)
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _TAG + "seq":
            raise YamlError(f"YAML tag {_short_tag(node.tag)} is not allowed", line)
        items: list[Value] = []
        for i, child in enumerate(node.value):
            doc.lines[(*key, i)] = _line(child.start_mark, newlines)
            items.append(_convert(child, (*key, i), doc, budget, depth + 1, newlines))
        return items
    if isinstance(node, yaml.MappingNode):
        if node.tag != _TAG + "map":
            raise YamlError(f"YAML tag {_short_tag(node.tag)} is not allowed", line)
        mapping: dict[str, Value] = {}
        for key_node, value_node in node.value:
            key_line = _line(key_node.start_mark, newlines)
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlError("a key must be plain text, not a list or mapping", key_line)
            if key_node.tag not in _SCALAR_TAGS:
                raise YamlError(f"YAML tag {_short_tag(key_node.tag)} is not allowed", key_line)
            name = str(key_node.value)
            if name in mapping:
                doc.duplicates.append(((*key, name), key_line))
            doc.lines[(*key, name)] = key_line
            mapping[name] = _convert(value_node, (*key, name), doc, budget, depth + 1, newlines)
        return mapping
    raise YamlError("unsupported YAML node", line)  # pragma: no cover


def _line(mark: yaml.Mark, newlines: list[int] | None) -> int:
    """The 1-based line of `mark`, counting only "\n" as a line break."""
    if newlines is None:
        return int(mark.line) + 1
    return bisect_left(newlines, mark.index) + 1


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag
