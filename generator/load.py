"""Load YAML spec files into plain dicts and lists that remember the line of every node.

`YDict` and `YList` behave like `dict` and `list`; they also carry `.file`, `.line` and the line
of each key or item, so any later stage can report `file:line`. Duplicate keys are errors (PyYAML
silently keeps the last one), and YAML's implicit timestamps stay strings, as in JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import SpecError, SpecErrors, display_path


class YDict(dict):
    """A mapping from a spec file, with the line of itself and of each key."""

    file: str = "<memory>"
    line: int = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class YList(list):
    """A sequence from a spec file, with the line of itself and of each item."""

    file: str = "<memory>"
    line: int = 0

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


# The C parser (libyaml) when PyYAML has it: several times faster on large specs.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SpecLoader(_BaseLoader):
    """SafeLoader that builds YDict/YList, refuses duplicate keys and keeps dates as text."""

    file_label = "<memory>"

    def construct_document(self, node: yaml.Node) -> Any:
        return _build(self, node, {})


# JSON has no timestamp type: `2024-05-01` in an example must stay the string it is in the API.
_SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


_MAP, _SEQ, _STR = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:str"


def _build(loader: _SpecLoader, node: yaml.Node, built: dict[int, Any]) -> Any:
    """The value of a composed node: plain mappings, sequences and strings (nearly all of a spec)
    built directly, anything else by PyYAML's own constructors. A third of PyYAML's time went to
    its general machinery. As there, an alias to a finished container is the same object, and one
    to a container still being built (a recursive document) is an error."""
    if id(node) in built:
        known = built[id(node)]
        if known is _BUILDING:
            raise yaml.constructor.ConstructorError(None, None, "found unconstructable recursive node", node.start_mark)
        return known
    if isinstance(node, yaml.ScalarNode) and node.tag == _STR:
        return node.value
    if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
        built[id(node)] = _BUILDING
        mapping = YDict()
        mapping.file, mapping.line = loader.file_label, _line(node)
        _fill_mapping(loader, node, mapping, built)
        built[id(node)] = mapping
        return mapping
    if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
        built[id(node)] = _BUILDING
        sequence = YList()
        sequence.file, sequence.line = loader.file_label, _line(node)
        for item in node.value:
            sequence.append(_build(loader, item, built))
            sequence.item_lines.append(_line(item))
        built[id(node)] = sequence
        return sequence
    return loader.construct_object(node, deep=True)


_BUILDING = object()


def _fill_mapping(loader: _SpecLoader, node: yaml.MappingNode, data: YDict, built: dict[int, Any]) -> None:
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = key_node.value if key_node.tag == _STR else _key(loader, key_node)
        if key in data:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first defined at line {data.key_lines[key]})",
                key_node.start_mark,
            )
        data[key] = _build(loader, value_node, built)
        data.key_lines[key] = _line(key_node)


def _key(loader: _SpecLoader, key_node: yaml.Node) -> str:
    key = loader.construct_object(key_node, deep=True)
    if isinstance(key, bool) or not isinstance(key, (str, int, float)):
        written = key_node.value if isinstance(key_node, yaml.ScalarNode) else key
        reading = ""
        if isinstance(written, str) and str(key) != written:
            reading = f" (YAML reads it as {key!r}; quote it)"
        raise yaml.constructor.ConstructorError(
            None, None, f"mapping key {written!r} must be a string{reading}", key_node.start_mark
        )
    # OpenAPI keys are strings: `200:` is the status code "200", as a JSON reader would see it.
    return str(key) if not isinstance(key, str) else key


def _construct_container(loader: _SpecLoader, node: yaml.Node) -> Any:
    # A mapping or sequence inside a node `_build` leaves to PyYAML (an `!!omap` entry, a complex
    # key) is built the same way.
    return _build(loader, node, {})


_SpecLoader.add_constructor(_MAP, _construct_container)
_SpecLoader.add_constructor(_SEQ, _construct_container)


def parse_yaml(text: str, label: str) -> Any:
    """Parse one YAML document; errors become a SpecError at the offending line."""
    loader = _SpecLoader(text)
    loader.file_label = label
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or "invalid YAML"
        lines = text.splitlines()
        offending = lines[line - 1] if 0 < line <= len(lines) else ""
        context = f" ({exc.context})" if exc.context and exc.problem_mark else ""
        if exc.context and exc.context.startswith("while") and exc.context_mark and exc.context_mark.line + 1 != line:
            # where the unclosed part began
            context = f" ({exc.context} at line {exc.context_mark.line + 1})"
        # PyYAML words it "found character '\t' that cannot start any token" (not "tab", which
        # would also match "unconstructable recursive node").
        if "\t" in offending[: len(offending) - len(offending.lstrip())] or "'\\t'" in problem:
            problem, context = "tab character used for indentation; indent with spaces", ""
        raise SpecErrors([SpecError(label, line, f"{problem}{context}", "yaml")]) from None
    except yaml.YAMLError as exc:
        raise SpecErrors([SpecError(label, 1, f"invalid YAML: {exc}", "yaml")]) from None
    finally:
        loader.dispose()


def load_file(path: Path, root: Path | None = None) -> Any:
    """Read and parse one spec file."""
    label = display_path(path, root)
    return parse_spec(read_spec(path, label), label)


def read_spec(path: Path, label: str) -> bytes:
    """A spec file's bytes; a file that cannot be read is a SpecError."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SpecErrors([SpecError(label, 1, f"cannot read file: {exc.strerror}", "yaml")]) from None


def parse_spec(data: bytes, label: str) -> Any:
    """Parse a spec file's bytes: UTF-8 text holding one non-empty YAML document."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecErrors([SpecError(label, 1, f"not UTF-8 text: {exc.reason}", "yaml")]) from None
    if not text.strip():
        raise SpecErrors([SpecError(label, 1, "file is empty", "yaml")])
    return parse_yaml(text, label)


def to_plain(value: Any) -> Any:
    """Deep copy into builtin dicts and lists (for dumping and for the spec validator)."""
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    return value
