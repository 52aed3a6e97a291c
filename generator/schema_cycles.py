"""Find schemas that contain themselves with no object in between.

`Node: {type: object, properties: {children: {type: array, items: {$ref: Node}}}}` is a fine
recursive model: the class exists before its fields refer to it. But a schema that reaches itself
only through `allOf`, `oneOf`/`anyOf`, `items` or `additionalProperties` (`A: {allOf: [{$ref: A}]}`,
`Nest: {type: array, items: {$ref: Nest}}`) has no Python type, and the spec validator, the example
checker and the IR build would recurse without end on it. It is reported at the `$ref` that closes
the loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import SpecError, SpecErrors
from .specset import SpecFile, SpecSet, escape_token, line_of, walk

Key = tuple[Path, str]


def check_schema_cycles(spec_set: SpecSet, files: list[SpecFile], errors: list[SpecError]) -> set[Path]:
    """Report every such loop through `files` once; return the files that hold one (other checks
    skip them)."""
    finder = _Finder(spec_set)
    files = sorted(files, key=lambda f: f.label)
    # Named schemas first, so a loop is named after the first schema of it in document order.
    for spec_file in files:
        schemas = (spec_file.doc.get("components") or {}).get("schemas")
        for name, node in schemas.items() if isinstance(schemas, dict) else ():
            finder.visit(spec_file, f"/components/schemas/{escape_token(name)}", node)
    for spec_file in files:
        for pointer, node, _, _ in walk(spec_file.doc):
            if isinstance(node, dict) and "$ref" in node:
                finder.visit(spec_file, pointer, node)
    errors.extend(finder.errors)
    return set(finder.files)


def _children(node: dict) -> Iterator[tuple[str, Any]]:
    """The schemas whose Python type the type of `node` is made of directly (as the IR build
    reads them): not the properties of an object, which refer to an existing class."""
    for index, member in enumerate(node.get("allOf") or []):
        yield f"allOf/{index}", member
    types = node.get("type")
    types = [types] if isinstance(types, str) else list(types) if isinstance(types, list) else []
    if "array" in types or (not types and "items" in node):
        yield "items", node.get("items")
    if "properties" in node and (not types or "object" in types):
        return  # a model: its fields may refer back to it
    for keyword in ("oneOf", "anyOf"):
        for index, member in enumerate(node.get(keyword) or []):
            yield f"{keyword}/{index}", member
    yield "additionalProperties", node.get("additionalProperties")


class _Finder:
    def __init__(self, spec_set: SpecSet) -> None:
        self.spec_set = spec_set
        self.errors: list[SpecError] = []
        self.files: set[Path] = set()
        self._done: set[Key] = set()
        self._reported: set[Key] = set()

    def visit(self, spec_file: SpecFile, pointer: str, node: Any, stack: tuple = (), via: str = "") -> None:
        """Depth first; `stack` holds (key, file, node, step) of the schemas on the way here."""
        if not isinstance(node, dict):
            return
        key = (spec_file.path, pointer)
        keys = [entry[0] for entry in stack]
        if key in keys:
            self._report(stack[keys.index(key) :], via)
            return
        if key in self._done:
            return
        stack = (*stack, (key, spec_file, node, via))
        if "$ref" in node:
            try:
                target = self.spec_set.resolve(node["$ref"], spec_file, line_of(node, "$ref"))
            except SpecErrors:
                pass  # reported by check_refs
            else:
                self.visit(target.file, target.pointer, target.node, stack, via)
        for step, child in _children(node):
            self.visit(spec_file, f"{pointer}/{step}", child, stack, step.split("/")[0])
        self._done.add(key)

    def _report(self, loop: tuple, via: str) -> None:
        """Reported at the last `$ref` of the loop: the one that leads back to its start."""
        keys = frozenset(entry[0] for entry in loop)
        steps = sorted(({entry[3] for entry in loop[1:]} | {via}) - {""})
        if not steps or keys & self._reported:
            return  # a chain of bare $refs is check_refs' "circular $ref"
        self._reported |= keys
        self.files.update(path for path, _ in keys)
        _, ref_file, ref_node, _ = next(entry for entry in reversed(loop) if "$ref" in entry[2])
        start = loop[0][0][1]
        name = start.rsplit("/", 1)[1] if start.startswith("/components/schemas/") else f"#{start}"
        self.errors.append(
            SpecError(
                ref_file.label,
                line_of(ref_node, "$ref"),
                f"schema {name!r} contains itself through {' and '.join(steps)} with no object in "
                "between; a recursive schema must pass through an object's properties",
                "schema-cycle",
            )
        )
