"""Remember every successful generation, so that a run whose inputs did not change is skipped.

A run is keyed by a fingerprint of everything its output depends on: the spec files, the templates,
capgen's own source and the versions of the libraries that shape the output. The cache keeps each
run's list of output files with their hashes, and every output file once by its hash (blobs), so:

- `capgen check` with nothing changed hashes generated/ and compares, without loading a spec;
- `capgen generate` with nothing changed also restores hand-edited or deleted outputs from the blobs.

Only successful runs are recorded, so a broken spec is reported on every run. This module imports
nothing heavy: the no-op path must not pay for the validator, Jinja or the formatter.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path

from .memo import add_files, content_digest, prune, tool_digest
from .project import Project
from .write import Plan, apply, plan, write_atomic

# Each of the blob store and the memo keeps at most this much, the least recently used going first:
# a few dozen edits' worth (a cold run of the full specs stores ~15 MB of blobs and ~32 MB of memo).
# They are pruned after one changed run in sixteen, so they may pass it by those runs' entries.
STORE_BYTES = 256 * 1024 * 1024


def fingerprint(project: Project) -> str:
    digest = hashlib.sha256(f"{tool_digest()}\n".encode())
    add_files(digest, "specs", project.specs_dir)
    add_files(digest, "templates", project.templates_dir)
    return digest.hexdigest()


def _blob(store: Path, digest: str) -> Path:
    return store / digest[:2] / digest


class _Blobs(Mapping[str, bytes]):
    """Output files by name, read from the blob store when asked for."""

    def __init__(self, store: Path, hashes: dict[str, str]) -> None:
        self._store, self._hashes = store, hashes

    def __getitem__(self, name: str) -> bytes:
        return _blob(self._store, self._hashes[name]).read_bytes()

    def __iter__(self) -> Iterator[str]:
        return iter(self._hashes)

    def __len__(self) -> int:
        return len(self._hashes)


class RunCache:
    def __init__(self, project: Project) -> None:
        assert project.cache_dir is not None
        self.project = project
        self.runs = project.cache_dir / "runs"
        self.blobs = project.cache_dir / "blobs"

    def replay(self, key: str) -> Plan | None:
        """What writing the recorded run would change in generated/, or None if it was never recorded
        (or the blobs of what must be written are gone)."""
        try:
            hashes: dict[str, str] = json.loads((self.runs / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        result = plan(self.project.out_dir, _Blobs(self.blobs, hashes), hashes)
        if any(not _blob(self.blobs, hashes[name]).is_file() for name in result.added + result.changed):
            return None
        return result

    def prune(self) -> None:
        """Keep the stores at a bounded size: every edit adds outputs and intermediate results."""
        prune(self.blobs, STORE_BYTES)
        prune(self.project.memo_dir, STORE_BYTES)

    def record(self, key: str, files: Mapping[str, bytes]) -> None:
        hashes = {}
        for name, content in files.items():
            digest = hashes[name] = content_digest(content)
            blob = _blob(self.blobs, digest)
            if not blob.is_file():
                write_atomic(blob, content)
        write_atomic(self.runs / f"{key}.json", json.dumps(hashes, indent=0, sort_keys=True).encode())


def generate(project: Project, write: bool = True) -> Plan:
    """`pipeline.generate`, replayed from the cache when the same inputs were generated before."""
    cache = RunCache(project) if project.cache_dir is not None else None
    key = fingerprint(project) if cache else ""
    result = cache.replay(key) if cache else None
    if result is None:
        from .pipeline import generate as run_pipeline  # the heavy part, loaded only when needed

        result = run_pipeline(project, write=False)
        if cache:
            cache.record(key, result.files)
            if key.endswith("0"):  # one run in 16, by its inputs: walking the stores costs ~50 ms
                cache.prune()
    if write:
        apply(result)
    return result
