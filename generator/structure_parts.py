"""Which parts of a changed spec file the OpenAPI semantic rules must walk again.

openapi-spec-validator's semantic rules walk every path item and every schema under
`components/schemas`, following `$ref`s: on the largest file that is ~0.2 s, most of checking an edit.
Each of those parts is digested with everything it reads: its own text, the parts of the file's
`components` it refers to (directly or through one another), the rest of the document, and the other
files the file reaches. A part whose digest is the one it had when the file last passed every check
cannot have a new problem, so only the other parts are walked. The whole document still goes
through the OpenAPI schema, the fast first pass, every time.

Digests are taken of the JSON text of the parts, not of their YAML: moving a part to other lines
(a property added above it) does not change what the rules see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .memo import content_digest
from .specset import DATA_KEYS, json_text, pointer_tokens

_REST = "rest"
"""The part holding everything but the path items and the component schemas."""


@dataclass(frozen=True)
class Parts:
    """The path items (by URL) and component schemas (by name) to walk."""

    paths: frozenset[str]
    schemas: frozenset[str]


def part_digests(doc: dict[str, Any], outside: str, is_self: Callable[[str], bool]) -> dict[str, str]:
    """Digest of each part of `doc` (`paths <url>`, `schemas <name>`, and the rest), each with what it
    reads. `outside` stands for the other files the document reaches; `is_self(file)` tells whether
    the file part of a `$ref` names the document itself."""
    parts = _Reader(doc, is_self)
    rest = {key: value for key, value in doc.items() if key not in ("paths", "components")}
    components = doc.get("components")
    if isinstance(components, dict):
        rest["components"] = {kind: entries for kind, entries in components.items() if kind != "schemas"}
    context = content_digest(f"{outside}\n{json_text(rest)}".encode())
    digests = {_REST: context}
    paths = doc.get("paths")
    for url, item in paths.items() if isinstance(paths, dict) else ():
        digests[f"paths {url}"] = parts.digest(item, context)
    schemas = components.get("schemas") if isinstance(components, dict) else None
    for name, schema in schemas.items() if isinstance(schemas, dict) else ():
        digests[f"schemas {name}"] = parts.digest(schema, context)
    return digests


def changed_parts(digests: dict[str, str], passed: dict[str, str] | None) -> Parts | None:
    """The parts whose digest is not the one they had when the file last passed (`passed`); None
    when all must be walked: the file never passed, or what every part reads has changed."""
    if not passed or passed.get(_REST) != digests[_REST]:
        return None
    changed = [part for part, digest in digests.items() if passed.get(part) != digest]
    return Parts(
        frozenset(part.split(" ", 1)[1] for part in changed if part.startswith("paths ")),
        frozenset(part.split(" ", 1)[1] for part in changed if part.startswith("schemas ")),
    )


class _Reader:
    """The text of each part of one document and the parts of `components` it refers to. A part is
    named by its JSON-pointer tokens: `("components", "schemas", "Name")`."""

    def __init__(self, doc: dict[str, Any], is_self: Callable[[str], bool]) -> None:
        self.doc, self.is_self = doc, is_self
        self._texts: dict[tuple[str, ...], str] = {}
        self._refs: dict[tuple[str, ...], set[tuple[str, ...]]] = {}

    def digest(self, node: Any, context: str) -> str:
        reached: set[tuple[str, ...]] = set()
        todo = list(self._local_refs(node))
        while todo:
            part = todo.pop()
            if part not in reached:
                reached.add(part)
                todo.extend(self._refs_of(part))
        texts = [json_text(node), *(f"{list(part)}\n{self._text_of(part)}" for part in sorted(reached))]
        return content_digest("\n".join([context, *texts]).encode())

    def _text_of(self, part: tuple[str, ...]) -> str:
        if part not in self._texts:
            self._texts[part] = json_text(self._node(part))
        return self._texts[part]

    def _refs_of(self, part: tuple[str, ...]) -> set[tuple[str, ...]]:
        if part not in self._refs:
            self._refs[part] = self._local_refs(self._node(part))
        return self._refs[part]

    def _node(self, part: tuple[str, ...]) -> Any:
        node: Any = self.doc
        for token in part:
            node = node.get(token) if isinstance(node, dict) else None
        return node

    def _local_refs(self, node: Any) -> set[tuple[str, ...]]:
        """The parts of the document that `$ref`s within `node` lead to: for a ref into a component,
        the whole component; for one elsewhere, that whole top-level section. Refs to other files are
        covered by the digest of the files reached, data (examples ...) holds no refs."""
        found: set[tuple[str, ...]] = set()
        todo = [node]
        while todo:
            current = todo.pop()
            if isinstance(current, dict):
                file_part, _, pointer = str(current.get("$ref", "")).partition("#")
                if pointer.startswith("/") and (not file_part or self.is_self(file_part)):
                    tokens = tuple(pointer_tokens(pointer))
                    found.add(tokens[:3] if tokens[0] == "components" else tokens[:1])
                todo.extend(value for key, value in current.items() if key not in DATA_KEYS)
            elif isinstance(current, list):
                todo.extend(current)
        return found
