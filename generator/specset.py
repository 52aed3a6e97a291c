"""The set of spec files under `specs/`, and `$ref` resolution across them."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from .errors import SpecError, SpecErrors, display_path
from .load import YDict, YList, parse_spec, read_spec
from .memo import Memo, content_digest

COMMON_DIR = "common"
# Keys whose values are data (API payloads, values), not spec: nothing inside them is an extension,
# a description or a schema.
DATA_KEYS = frozenset({"example", "examples", "default", "const", "enum"})
VERSION_ROOT = "api.yaml"


@dataclass(eq=False)
class SpecFile:
    """One spec file. Its parsed tree is read when first asked for: a run with one changed file reads
    the trees of that file's version and of the files it refers to, not the rest, which the caches
    of later steps answer for by `digest` alone."""

    path: Path
    label: str
    version: str | None
    """Version folder name (`v1.1`, `v2` ...); None for shared files under `common/`."""
    digest: str
    """sha256 of the file's bytes: what the caches of later steps are keyed by."""
    read_doc: Callable[[], dict] = field(repr=False)

    @cached_property
    def doc(self) -> dict:
        return self.read_doc()

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def is_root(self) -> bool:
        return self.version is not None and self.path.name == VERSION_ROOT


@dataclass
class Resolved:
    """Where a `$ref` leads: the file, the JSON pointer inside it, and the node."""

    file: SpecFile
    pointer: str
    node: Any


@dataclass
class SpecSet:
    """All spec files, keyed by absolute path, plus the versions they form."""

    root: Path
    files: dict[Path, SpecFile] = field(default_factory=dict)
    _targets: dict[tuple[Path, str], Path | None] = field(default_factory=dict, init=False, repr=False)
    _refs: dict[Path, frozenset] = field(default_factory=dict, init=False, repr=False)
    _resolved: dict[tuple[str, str], Resolved] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._resolved_root = self.root.resolve()

    def versions(self) -> list[str]:
        return sorted({f.version for f in self.files.values() if f.version is not None}, key=_version_key)

    def version_root(self, version: str) -> SpecFile | None:
        return self.files.get((self.root / version / VERSION_ROOT).resolve())

    def inputs_digest(self, version: str, memo: Memo) -> str:
        """Digest of every file a version reads: its own and those they refer to."""
        own = [f.path for f in self.files.values() if f.version == version]
        return f"{version} {self.reach_digest(own, memo, lambda spec_file: spec_file.digest)}"

    def reach_digest(self, paths: list[Path], memo: Memo, digest_of: Callable[[SpecFile], str]) -> str:
        """Digest of the files `paths` reach (`reach`), each by its label and `digest_of` it; a
        target that does not exist counts as missing, so creating it changes the digest."""
        digest = hashlib.sha256()
        for path in sorted(self.reach(paths, memo)):
            known = self.files.get(path)
            digest.update(f"{known.label} {digest_of(known)}\n".encode() if known else f"{path} missing\n".encode())
        return digest.hexdigest()

    def refs_of(self, spec_file: SpecFile, memo: Memo) -> frozenset[tuple[Path | None, str]]:
        """Where the file's `$ref`s point, as (file, JSON pointer); the file is None outside the specs
        folder. Read from the file alone, so remembered by its bytes."""
        if spec_file.path not in self._refs:
            key = memo.key("refs", str(spec_file.path), spec_file.digest)
            found = memo.get(key)
            if found is None:
                targets = set()
                for _, node, _, _ in walk(spec_file.doc):
                    if isinstance(node, dict) and isinstance(node.get("$ref"), str):
                        file_part, _, pointer = node["$ref"].partition("#")
                        target = self.target_path(spec_file.path.parent, file_part) if file_part else spec_file.path
                        targets.add((target, unquote(pointer)))
                found = frozenset(targets)
                memo.put(key, found)
            self._refs[spec_file.path] = found
        return self._refs[spec_file.path]

    def reach(self, paths: list[Path], memo: Memo) -> set[Path]:
        """`paths` and every file their `$ref`s lead to, directly or through other files."""
        reached, todo = set(paths), list(paths)
        while todo:
            known = self.files.get(todo.pop())
            for target, _ in self.refs_of(known, memo) if known else ():
                if target is not None and target not in reached:
                    reached.add(target)
                    todo.append(target)
        return reached

    def resources(self, version: str) -> list[SpecFile]:
        return sorted(
            (f for f in self.files.values() if f.version == version and not f.is_root),
            key=lambda f: f.stem,
        )

    def resolve(self, ref: Any, base: SpecFile, line: int) -> Resolved:
        """Follow one `$ref` from `base`; raise SpecErrors with the referring line if it fails.
        Memoised by file label and text: building a version follows the same refs thousands of times."""
        found = self._resolved.get((base.label, ref)) if isinstance(ref, str) else None
        if found is None:
            found = self._resolved[(base.label, ref)] = self._resolve(ref, base, line)
        return found

    def _resolve(self, ref: Any, base: SpecFile, line: int) -> Resolved:
        if not isinstance(ref, str) or not ref:
            raise _ref_error(base, line, f"$ref must be a non-empty string, got {ref!r}")
        if "://" in ref or ref.startswith("//"):
            raise _ref_error(base, line, f"remote $ref {ref!r} is not allowed; refer to a file under specs/")
        file_part, _, pointer = ref.partition("#")
        target = base
        if file_part:
            target_path = self.target_path(base.path.parent, file_part)
            if target_path is None:
                raise _ref_error(base, line, f"$ref {ref!r} points outside the specs folder")
            target = self.files.get(target_path)
            if target is None:
                raise _ref_error(base, line, f"$ref {ref!r}: file {file_part!r} does not exist")
        node = target.doc
        if pointer and not pointer.startswith("/"):
            raise _ref_error(base, line, f"$ref {ref!r}: fragment must be a JSON pointer starting with '/'")
        for token in pointer_tokens(pointer) if pointer else []:
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise _ref_error(base, line, f"$ref {ref!r} does not resolve: no {token!r} in {target.label}")
        return Resolved(target, pointer, node)

    def target_path(self, folder: Path, file_part: str) -> Path | None:
        """The file a `$ref`'s file part names from `folder`, or None outside the specs folder.
        Memoised: resolving a path asks the file system, and the same few refs recur thousands of times."""
        key = (folder, file_part)
        if key not in self._targets:
            target = (folder / unquote(file_part)).resolve()
            self._targets[key] = target if target.is_relative_to(self._resolved_root) else None
        return self._targets[key]

    def deref(self, node: Any, base: SpecFile) -> tuple[Any, SpecFile]:
        """Follow `$ref` chains until a non-reference node; detect cycles."""
        seen: set[tuple[Path, str]] = set()
        while isinstance(node, dict) and "$ref" in node:
            resolved = self.resolve(node["$ref"], base, node.line_of("$ref") if isinstance(node, YDict) else 0)
            key = (resolved.file.path, resolved.pointer)
            if key in seen:
                raise _ref_error(base, node.line_of("$ref"), f"circular $ref {node['$ref']!r}")
            seen.add(key)
            node, base = resolved.node, resolved.file
        return node, base


def _ref_error(base: SpecFile, line: int, message: str) -> SpecErrors:
    return SpecErrors([SpecError(base.label, line or 1, message, "ref")])


_VERSION_NAME = re.compile(r"v\d+(?:\.\d+)*")


def is_version_name(name: str) -> bool:
    """Folders named like `v2` or `v1.1` are CRM API versions; any other folder is a separate service."""
    return _VERSION_NAME.fullmatch(name) is not None


def _version_key(name: str) -> tuple[bool, tuple[int, ...], str]:
    """Versions in numeric order (v1.1 before v2), then the separate services by name; never a
    tie, so the order does not depend on set iteration (and PYTHONHASHSEED)."""
    is_version = is_version_name(name)
    numbers = tuple(int(p) for p in name[1:].split(".")) if is_version else ()
    return (not is_version, numbers, name)


def load_specs(specs_dir: Path, label_root: Path | None = None, memo: Memo | None = None) -> SpecSet:
    """Load every `*.yaml` under `specs_dir`, collecting the errors of all files; with `memo`, a file
    parsed before (same bytes, same label) is taken from it instead of being parsed again."""
    memo = memo or Memo(None)
    specs_dir = specs_dir.resolve()
    if not specs_dir.is_dir():
        raise SpecErrors([SpecError(display_path(specs_dir, label_root), 1, "specs folder does not exist")])
    spec_set = SpecSet(specs_dir)
    errors: list[SpecError] = []
    for path in sorted(specs_dir.rglob("*")):
        if path.suffix not in {".yaml", ".yml"} or not path.is_file():
            continue
        relative = path.relative_to(specs_dir)
        version = relative.parts[0] if len(relative.parts) > 1 and relative.parts[0] != COMMON_DIR else None
        label = display_path(path, label_root)
        if len(relative.parts) == 1:
            errors.append(SpecError(label, 1, "spec files belong in a version folder or in common/"))
            continue
        try:
            data = read_spec(path, label)
            key = memo.key("parsed", label, data)
            if memo.has(key):  # parsed before, and a mapping: only mappings are kept
                read_doc = partial(_remembered_doc, memo, key, data, label)
            else:
                doc = parse_spec(data, label)
                if not isinstance(doc, dict):
                    errors.append(SpecError(label, 1, "a spec file must be a YAML mapping (an OpenAPI document)"))
                    continue
                memo.put(key, doc)
                read_doc = partial(_given, doc)
        except SpecErrors as exc:
            errors.extend(exc.errors)
            continue
        spec_set.files[path.resolve()] = SpecFile(path.resolve(), label, version, content_digest(data), read_doc)
    for version in spec_set.versions():
        if spec_set.version_root(version) is None:
            errors.append(
                SpecError(display_path(specs_dir / version, label_root), 1, f"version {version} has no {VERSION_ROOT}")
            )
    if errors:
        raise SpecErrors(errors)
    return spec_set


def _remembered_doc(memo: Memo, key: str, data: bytes, label: str) -> dict:
    """The tree `memo` keeps for these bytes; parsed again if it went meanwhile (pruned, unreadable)."""
    doc = memo.get(key)
    if doc is None:
        doc = parse_spec(data, label)
        memo.put(key, doc)
    return doc


def _given(doc: dict) -> dict:
    return doc


def walk(node: Any, pointer: str = "", parent: Any = None, key: Any = None) -> Iterator[tuple[str, Any, Any, Any]]:
    """Yield (pointer, node, parent, key) for every node, depth first, in document order."""
    yield pointer, node, parent, key
    if isinstance(node, dict):
        for child_key, child in node.items():
            yield from walk(child, f"{pointer}/{escape_token(child_key)}", node, child_key)
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from walk(child, f"{pointer}/{index}", node, index)


def escape_token(token: Any) -> str:
    """A key as one JSON-pointer token."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer_tokens(pointer: str) -> list[str]:
    """The keys a `$ref`'s JSON pointer (`/components/schemas/A~1B`, URL-encoded or not) names."""
    return [unquote(raw).replace("~1", "/").replace("~0", "~") for raw in pointer.split("/")[1:]]


def json_text(node: Any) -> str:
    """A spec node as JSON text, to digest what a step reads of it: lines left out, values JSON
    lacks (a date YAML read as text stays text; anything else) by their repr."""
    return json.dumps(node, ensure_ascii=False, default=repr)


def line_of(parent: Any, key: Any) -> int:
    """Line of `parent[key]` when the parent came from a spec file."""
    if isinstance(parent, (YDict, YList)):
        return parent.line_of(key)
    return 1
