"""Bundle a version's root and resource files into one self-contained OpenAPI document.

Cross-file `$ref`s to `components/<kind>/<Name>` become local refs with the component copied in;
any other cross-file ref is inlined. The result feeds Redoc, Swagger UI, Prism and our docs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from typing import Any

import yaml

from .errors import SpecError, SpecErrors
from .memo import Pieces
from .specset import SpecFile, SpecSet, json_text, line_of
from .validate import HTTP_METHODS

_COMPONENT = re.compile(r"/components/([A-Za-z]+)/([^/]+)")
_ROOT_KEYS = ("openapi", "info", "jsonSchemaDialect", "servers", "security", "tags", "externalDocs")


class Bundler:
    def __init__(self, spec_set: SpecSet, version: str) -> None:
        self.spec_set = spec_set
        self.version = version
        self.components: dict[str, dict[str, Any]] = {}
        self._origin: dict[tuple[str, str], tuple] = {}
        self.errors: list[SpecError] = []

    def bundle(self) -> dict[str, Any]:
        root = self.spec_set.version_root(self.version)
        out: dict[str, Any] = {key: self.copy(root.doc[key], root) for key in _ROOT_KEYS if key in root.doc}
        out.update({k: self.copy(v, root) for k, v in root.doc.items() if k.startswith("x-")})
        for kind, entries in (root.doc.get("components") or {}).items():
            for name, node in (entries or {}).items():
                target, target_file = self.spec_set.deref(node, root)
                self._add_component(kind, name, target, target_file, (target_file.path, f"/components/{kind}/{name}"))
        paths: dict[str, Any] = {}
        for spec_file in self.spec_set.resources(self.version):
            for path, item in (spec_file.doc.get("paths") or {}).items():
                merged = paths.setdefault(path, {})
                for key, value in item.items():
                    if key in merged and key in HTTP_METHODS:
                        continue  # a duplicate route; the lint reports it
                    merged[key] = self.copy(value, spec_file)
        out["paths"] = paths
        webhooks = {
            name: self.copy(item, spec_file)
            for spec_file in self.spec_set.resources(self.version)
            for name, item in (spec_file.doc.get("webhooks") or {}).items()
        }
        if webhooks:
            out["webhooks"] = webhooks
        if self.components:
            out["components"] = {
                kind: dict(sorted(entries.items())) for kind, entries in sorted(self.components.items())
            }
        if self.errors:
            raise SpecErrors(self.errors)
        return out

    def copy(self, node: Any, base: SpecFile) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return self._copy_ref(node, base)
            return {k: self.copy(v, base) for k, v in node.items()}
        if isinstance(node, list):
            return [self.copy(v, base) for v in node]
        return node

    def _copy_ref(self, node: dict, base: SpecFile) -> Any:
        resolved = self.spec_set.resolve(node["$ref"], base, line_of(node, "$ref"))
        siblings = {k: self.copy(v, base) for k, v in node.items() if k != "$ref"}
        match = _COMPONENT.fullmatch(resolved.pointer)
        if match:
            kind, name = match.groups()
            self._add_component(
                kind,
                name,
                resolved.node,
                resolved.file,
                (resolved.file.path, resolved.pointer),
                where=f"{base.label}:{line_of(node, '$ref')}",
            )
            return {"$ref": f"#/components/{kind}/{name}", **siblings}
        inlined = self.copy(resolved.node, resolved.file)
        return {**inlined, **siblings} if isinstance(inlined, dict) else inlined

    def _add_component(
        self, kind: str, name: str, node: Any, spec_file: SpecFile, origin: tuple, where: str = ""
    ) -> None:
        known = self._origin.get((kind, name))
        if known is not None:
            if known != origin:
                label = where or f"{spec_file.label}:{line_of(node, '$ref') if isinstance(node, dict) else 1}"
                file, line = label.rsplit(":", 1)
                self.errors.append(
                    SpecError(
                        file,
                        int(line),
                        f"component {kind}/{name} is defined in more than one file "
                        f"of {self.version}; names must be unique per version",
                        "bundle",
                    )
                )
            return
        self._origin[(kind, name)] = origin
        entries = self.components.setdefault(kind, {})
        entries[name] = None  # placeholder first: the component may refer to itself
        entries[name] = self.copy(node, spec_file)


def bundle_version(spec_set: SpecSet, version: str) -> dict[str, Any]:
    return Bundler(spec_set, version).bundle()


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # libyaml's emitter is ~7x faster, same bytes
    """Block style everywhere, no aliases: a bundled spec is read by people and many tools."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_yaml(document: dict[str, Any]) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


# Sections dumped entry by entry, and how deep their entries sit.
_PIECEWISE = {"paths": 1, "webhooks": 1, "components": 2}


def dump_bundle(document: dict[str, Any], pieces: Pieces) -> str:
    """`dump_yaml(document)`, reusing the YAML of entries dumped in the last run.

    Dumping is most of bundling, and an edit changes few paths and components. Each path, webhook and
    component is dumped nested under its section's keys (so the emitter wraps lines at the same
    columns), without the key lines an earlier piece has already written: the pieces join into
    exactly the whole dump.
    """
    parts = []
    for key, value in document.items():
        depth = _PIECEWISE.get(key)
        if depth is None or not isinstance(value, dict) or not value:
            parts.append(dump_yaml({key: value}))
            continue
        parts.append(f"{key}:\n")
        for nested, opened in _entries(key, value, depth, key_open=True):
            material = f"{opened}:{json_text(nested)}"
            parts.append(pieces.get(material, partial(_dump_piece, nested, opened)))
    return "".join(parts)


def _dump_piece(nested: dict[str, Any], opened: int) -> str:
    return dump_yaml(nested).split("\n", opened)[opened]


def _entries(key: str, value: dict[str, Any], depth: int, key_open: bool) -> Iterator[tuple[dict[str, Any], int]]:
    """Each entry `depth` levels below `key`, nested in its keys, with how many of those key lines
    an earlier piece has written: `({"components": {"schemas": {"A": ...}}}, 1)` for the first schema,
    `(..., 2)` for the next ones."""
    for name, child in value.items():
        if depth == 1 or not isinstance(child, dict) or not child:
            yield {key: {name: child}}, int(key_open)
        else:
            for nested, opened in _entries(name, child, depth - 1, key_open=False):
                yield {key: nested}, 1 + opened if key_open else 0
        key_open = True
