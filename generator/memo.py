"""Results of pure, expensive steps kept between runs, so a change reruns only what it touches.

A value is stored under a key that hashes everything it was computed from: its own inputs (a spec
file's bytes, a version's files ...) salted with `tool_digest()`, the digest of capgen's code and of
the libraries that shape its results. A key therefore never names a stale value; a changed input is
simply a new key. The steps that use it:

- a spec file's parsed tree, by the file's bytes (`specset.load_specs`);
- the fact that a file passed every per-file check, by its bytes and those of the files it refers
  to (`validate.Validation`), and its outline for the checks across files;
- a version's IR, and each of its resources with what the resource read of the build's shared
  state (`build`, `journal`), by the bytes of the files they read;
- a version's rendered outputs (`outputs`), and `Pieces` of them (operation sections, model
  classes, dumped paths) by what each is made from;
- each file's part of its version's bundle (`bundle`), by the bytes of the files it reaches.

Values are pickled under `.capgen-cache/memo/`: the cache is the project's own, as trusted as its
specs and templates. A value that cannot be read (a partial write, another Python) is a miss.
This module imports nothing heavy: the run cache uses it on the no-op path.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import suppress
from functools import cache
from pathlib import Path
from typing import Any

from .write import write_atomic

GENERATOR_DIR = Path(__file__).resolve().parent
# Libraries whose version can change what capgen reads, reports or writes.
TOOL_LIBRARIES = ("jinja2", "pyyaml", "ruff", "markdown-it-py", "openapi-spec-validator", "jsonschema", "jsonschema-rs")


@cache
def tool_digest() -> str:
    """Digest of the Python version, the libraries above and capgen's own source."""
    digest = hashlib.sha256()
    digest.update(f"python {sys.version_info[0]}.{sys.version_info[1]}\n".encode())
    versions = installed_versions(TOOL_LIBRARIES)
    for library in TOOL_LIBRARIES:
        digest.update(f"{library} {versions[library]}\n".encode())
    add_files(digest, "capgen", GENERATOR_DIR)
    return digest.hexdigest()


def installed_versions(libraries: tuple[str, ...]) -> dict[str, str]:
    """The installed version of each library, read from the names of the `*.dist-info` folders on
    `sys.path` (the first one wins, as for an import). `importlib.metadata` tells the same but costs
    25 ms to import, a sixth of a run with nothing to do; it still answers for anything not found so."""
    releases = _dist_info_releases()
    found: dict[str, str] = {}
    for library in libraries:
        release = releases.get(_distribution_key(library))
        if release is None:
            from importlib.metadata import version  # an egg or other layout: ask the slow way

            release = version(library)
        found[library] = release
    return found


@cache  # read once per process: the run's cache keys and the formatter's both ask
def _dist_info_releases() -> dict[str, str]:
    """Distribution key -> release, from the `*.dist-info` folder names on `sys.path`."""
    releases: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                project, _, release = name[: -len(".dist-info")].partition("-")
                if release:
                    releases.setdefault(_distribution_key(project), release)
    return releases


def _distribution_key(name: str) -> str:
    """A distribution name as its folder and the packaging rules compare it (PEP 503 + case)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def add_files(digest: Any, label: str, folder: Path) -> None:
    """Feed `digest` every file under `folder`: its name (under `label`) and the hash of its bytes."""
    for path in files_under(folder):
        digest.update(f"{label}/{path.relative_to(folder).as_posix()}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def files_under(folder: Path) -> list[Path]:
    """Every file under `folder` (bytecode caches aside), in a stable order."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


class Memo:
    """Pickled values by key; with no folder it remembers nothing (every lookup misses)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def key(self, kind: str, *parts: str | bytes) -> str:
        """A key for a value of `kind` computed from `parts` by this version of capgen."""
        digest = hashlib.sha256(f"{tool_digest()}\n{kind}\n".encode())
        for part in parts:
            data = part.encode() if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "little"))  # so ("ab", "c") and ("a", "bc") differ
            digest.update(data)
        return f"{kind}-{digest.hexdigest()}"

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[: key.index("-") + 3] / key

    def get(self, key: str) -> Any | None:
        """The value stored under `key`, or None."""
        if self.folder is None:
            return None
        path = self._path(key)
        try:
            value = pickle.loads(path.read_bytes())
            os.utime(path)  # recently used: `prune` keeps it
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError):
            return None
        return value

    def has(self, key: str) -> bool:
        """Whether a value is stored under `key`; asking counts as a use, so `prune` keeps it."""
        if self.folder is None:
            return False
        try:
            os.utime(self._path(key))
        except OSError:
            return False
        return True

    def put(self, key: str, value: Any) -> None:
        if self.folder is not None:
            write_atomic(self._path(key), pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    def table(self, name: str) -> dict[str, Any]:
        """A named table of values carried from the last run (empty the first time)."""
        found = self.get(self.key("table", name))
        return found if isinstance(found, dict) else {}

    def save_table(self, name: str, table: dict[str, Any]) -> None:
        """Keep `table` for the next run; callers save only the entries this run used, so a table
        does not grow with every edit."""
        self.put(self.key("table", name), table)


class Pieces:
    """Pieces of output (rendered fragments, dumped YAML) of the last run, by a digest of what they
    were made from. A run reuses those its inputs still produce and keeps, for the next run, only the
    ones it used, so the table stays about the size of one output.

    A table is kept as two values: a base, and the pieces made since the base was written. An edit
    usually changes one piece of thousands, so a run rewrites only the second, small one; the base
    (megabytes for the docs of a version) is written again once a quarter of it has gone unused or
    been outgrown."""

    def __init__(self, memo: Memo, name: str) -> None:
        self.memo, self.name = memo, name
        self.base = memo.table(name)
        self.since = memo.table(f"{name}, since")
        self.known = {**self.base, **self.since}
        self.used: dict[str, str] = {}
        self.reused = 0

    def get(self, material: str | bytes, make: Callable[[], str]) -> str:
        """The piece made from `material` (everything it depends on), made now if it is new."""
        digest = self.digest(material)
        piece = self.find(digest)
        return piece if piece is not None else self.keep(digest, make())

    @staticmethod
    def material(*parts: Any) -> bytes:
        """`parts` (IR objects, strings ...) pickled: what a piece is made from, to digest."""
        return pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def digest(material: str | bytes) -> str:
        return hashlib.sha256(material.encode() if isinstance(material, str) else material).hexdigest()

    def find(self, digest: str) -> str | None:
        """The piece of `digest` if this run or the last one made it (then it is kept for the next)."""
        piece = self.used.get(digest)
        if piece is None:
            piece = self.known.get(digest)
            if piece is not None:
                self.reused += 1
                self.used[digest] = piece
        return piece

    def keep(self, digest: str, piece: str) -> str:
        """Record a piece made in this run."""
        self.used[digest] = piece
        return piece

    def save(self) -> None:
        """Keep the pieces this run used for the next one (see the class for how)."""
        since = {digest: piece for digest, piece in self.used.items() if digest not in self.base}
        unused = len(self.base) - (len(self.used) - len(since))
        if 4 * (len(since) + unused) > len(self.base):
            self.memo.save_table(self.name, self.used)
            since = {}
        if since != self.since:
            self.memo.save_table(f"{self.name}, since", since)


def prune(folder: Path, max_bytes: int) -> None:
    """Delete the least recently used files under `folder` until it holds at most `max_bytes`: every
    edit adds entries (a new HTML part, a new parsed file), and old ones are only worth keeping while
    they may come back (switching branches, undoing an edit)."""
    entries = list(_files_with_stat(str(folder)))
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries):
        if total <= max_bytes:
            break
        with suppress(OSError):
            os.unlink(path)
        total -= size


def _files_with_stat(folder: str) -> Iterator[tuple[float, int, str]]:
    """(mtime, size, path) of every file below `folder`. os.scandir, not Path.rglob: this runs after
    every run that changed something, over a few thousand entries."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _files_with_stat(entry.path)
            elif entry.is_file(follow_symlinks=False):
                status = entry.stat(follow_symlinks=False)
                yield status.st_mtime, status.st_size, entry.path
        except OSError:  # removed meanwhile
            continue


def content_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
