"""Bundle a version's root and resource files into one self-contained OpenAPI document.

Cross-file `$ref`s to `components/<kind>/<Name>` become local refs with the component copied in;
any other cross-file ref is inlined. The result feeds Redoc, Swagger UI, Prism and our docs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import yaml

from .errors import SpecError, SpecErrors
from .memo import Memo, Pieces
from .specset import SpecFile, SpecSet, json_text, line_of
from .validate import HTTP_METHODS

_COMPONENT = re.compile(r"/components/([A-Za-z]+)/([^/]+)")
_ROOT_KEYS = ("openapi", "info", "jsonSchemaDialect", "servers", "security", "tags", "externalDocs")


class Bundler:
    """Copies spec nodes into one document, collecting the components their refs reach."""

    def __init__(self, spec_set: SpecSet, version: str) -> None:
        self.spec_set = spec_set
        self.version = version
        self.components: dict[str, dict[str, Any]] = {}
        self._origin: dict[tuple[str, str], tuple] = {}
        self.errors: list[SpecError] = []

    def bundle(self) -> dict[str, Any]:
        out = self.root_keys(self.spec_set.version_root(self.version))
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
            out["components"] = _sorted(self.components)
        if self.errors:
            raise SpecErrors(self.errors)
        return out

    def root_keys(self, root: SpecFile) -> dict[str, Any]:
        """The root's top-level keys for the bundle; its components are added to `components`."""
        out: dict[str, Any] = {key: self.copy(root.doc[key], root) for key in _ROOT_KEYS if key in root.doc}
        out.update({k: self.copy(v, root) for k, v in root.doc.items() if k.startswith("x-")})
        for kind, entries in (root.doc.get("components") or {}).items():
            for name, node in (entries or {}).items():
                target, target_file = self.spec_set.deref(node, root)
                self._add_component(kind, name, target, target_file, (target_file.label, f"/components/{kind}/{name}"))
        return out

    def part(self, spec_file: SpecFile) -> Part:
        """What `spec_file` brings to the bundle, copied by this bundler alone (a fresh one)."""
        keys = self.root_keys(spec_file) if spec_file.is_root else {}
        section = {} if spec_file.is_root else spec_file.doc
        paths = {
            path: {key: self.copy(value, spec_file) for key, value in item.items()}
            for path, item in (section.get("paths") or {}).items()
        }
        webhooks = {name: self.copy(item, spec_file) for name, item in (section.get("webhooks") or {}).items()}
        digests = {("paths", path): _json_digest(item) for path, item in paths.items()}
        digests.update({("webhooks", name): _json_digest(item) for name, item in webhooks.items()})
        components = {(kind, name): node for kind, entries in self.components.items() for name, node in entries.items()}
        digests.update({("components", *key): _json_digest(node) for key, node in components.items()})
        return Part(keys, paths, webhooks, components, dict(self._origin), digests)

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
                (resolved.file.label, resolved.pointer),
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


@dataclass
class Part:
    """What one spec file brings to its version's bundle, copied without the other files: the root's
    top-level keys (for the version root), the file's paths and webhooks, and every component they
    reach, with where each is defined. `digests` holds each entry's JSON digest, what `dump_bundle`
    finds its YAML by, so that an unchanged file's entries are not serialised again."""

    keys: dict[str, Any]
    paths: dict[str, dict[str, Any]]
    webhooks: dict[str, Any]
    components: dict[tuple[str, str], Any]
    """(kind, name) -> the component, copied."""
    origins: dict[tuple[str, str], tuple[str, str]]
    """(kind, name) -> (file label, JSON pointer) of its definition."""
    digests: dict[tuple[str, ...], str]


def joined_bundle(spec_set: SpecSet, version: str, memo: Memo) -> tuple[dict[str, Any], dict[tuple[str, ...], str]]:
    """`bundle_version`, joined from the parts of the version's files, and the digests of its
    entries. A file's part is kept in `memo` by the files it reaches, so an edit copies one file
    again, and the trees of the others need not even be read. Where the parts disagree (a component
    name defined in two files, a route in two files) the version is bundled as a whole, which
    reports the problem exactly as `capgen validate` does."""
    files = [spec_set.version_root(version), *spec_set.resources(version)]
    parts = [_part(spec_set, version, spec_file, memo) for spec_file in files]
    joined = _join(parts) if all(parts) else None
    return joined if joined is not None else (bundle_version(spec_set, version), {})


def _part(spec_set: SpecSet, version: str, spec_file: SpecFile, memo: Memo) -> Part | None:
    reach = spec_set.reach_digest([spec_file.path], memo, lambda reached: reached.digest)
    key = memo.key("bundle part", version, spec_file.label, reach)
    part = memo.get(key)
    if isinstance(part, Part):
        return part
    bundler = Bundler(spec_set, version)
    part = bundler.part(spec_file)
    if bundler.errors:
        return None
    memo.put(key, part)
    return part


def _join(parts: list[Part]) -> tuple[dict[str, Any], dict[tuple[str, ...], str]] | None:
    """The parts as one document, as `Bundler.bundle` builds it; None where they disagree."""
    root, *resources = parts
    origins: dict[tuple[str, str], tuple[str, str]] = {}
    components: dict[str, dict[str, Any]] = {}
    digests: dict[tuple[str, ...], str] = {}
    for part in parts:
        for key, origin in part.origins.items():
            if origins.setdefault(key, origin) != origin:
                return None
        for (kind, name), node in part.components.items():
            components.setdefault(kind, {})[name] = node
        digests.update(part.digests)
    paths: dict[str, Any] = {}
    webhooks: dict[str, Any] = {}
    for part in resources:
        for path, item in part.paths.items():
            if path in paths:  # one path, its methods in several files
                if any(key in paths[path] and key in HTTP_METHODS for key in item):
                    return None
                paths[path] = {**paths[path], **item}
                digests.pop(("paths", path), None)  # no one file's digest is the joined item's
            else:
                paths[path] = item
        webhooks.update(part.webhooks)
    out = {**root.keys, "paths": paths}
    if webhooks:
        out["webhooks"] = webhooks
    if components:
        out["components"] = _sorted(components)
    return out, digests


def _sorted(components: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Components by kind, then by name: the same order however the files reached them."""
    return {kind: dict(sorted(entries.items())) for kind, entries in sorted(components.items())}


def _json_digest(node: Any) -> str:
    return Pieces.digest(json_text(node))


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # libyaml's emitter is ~7x faster, same bytes
    """Block style everywhere, no aliases: a bundled spec is read by people and many tools."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_yaml(document: dict[str, Any]) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


# Sections dumped entry by entry, and how deep their entries sit.
_PIECEWISE = {"paths": 1, "webhooks": 1, "components": 2}


def dump_bundle(document: dict[str, Any], pieces: Pieces, digests: dict[tuple[str, ...], str] | None = None) -> str:
    """`dump_yaml(document)`, reusing the YAML of entries dumped in the last run.

    Dumping is most of bundling, and an edit changes few paths and components. Each path, webhook and
    component is dumped nested under its section's keys (so the emitter wraps lines at the same
    columns), without the key lines an earlier piece has already written: the pieces join into
    exactly the whole dump. A piece is found by the entry's keys and the digest of its JSON text,
    taken from `digests` (by the entry's keys) where the caller has it.
    """
    digests = digests or {}
    parts = []
    for key, value in document.items():
        depth = _PIECEWISE.get(key)
        if depth is None or not isinstance(value, dict) or not value:
            parts.append(dump_yaml({key: value}))
            continue
        parts.append(f"{key}:\n")
        for keys, entry, nested, opened in _entries((key,), value, depth, key_open=True):
            digest = digests.get(keys) or _json_digest(entry)
            material = f"{opened}:{json_text(keys)}:{digest}"
            parts.append(pieces.get(material, partial(_dump_piece, nested, opened)))
    return "".join(parts)


def _dump_piece(nested: dict[str, Any], opened: int) -> str:
    return dump_yaml(nested).split("\n", opened)[opened]


def _entries(
    keys: tuple[str, ...], value: dict[str, Any], depth: int, key_open: bool
) -> Iterator[tuple[tuple[str, ...], Any, dict[str, Any], int]]:
    """Each entry `depth` levels below `keys[-1]`: its keys, itself, itself nested in its keys, and
    how many of those key lines an earlier piece has written. For the first schema that is
    `(("components", "schemas", "A"), {...}, {"components": {"schemas": {"A": {...}}}}, 1)`, and 2
    in place of the 1 for the next ones."""
    for name, child in value.items():
        if depth == 1 or not isinstance(child, dict) or not child:
            yield (*keys, name), child, {keys[-1]: {name: child}}, int(key_open)
        else:
            for inner, entry, nested, opened in _entries((*keys, name), child, depth - 1, key_open=False):
                yield inner, entry, {keys[-1]: nested}, 1 + opened if key_open else 0
        key_open = True
