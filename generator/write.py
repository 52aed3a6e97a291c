"""Compare the rendered files with `generated/` and write only what changed, atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# Left behind by Python and pytest when the generated package is imported in place.
_IGNORED_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}


@dataclass
class Plan:
    """What a write would do to the output folder."""

    out_dir: Path
    files: Mapping[str, bytes]
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def stale(self) -> list[str]:
        return sorted(self.added + self.changed + self.removed)


def existing_files(out_dir: Path) -> set[str]:
    if not out_dir.is_dir():
        return set()
    return {
        p.relative_to(out_dir).as_posix()
        for p in out_dir.rglob("*")
        if p.is_file() and not _IGNORED_PARTS.intersection(p.relative_to(out_dir).parts) and p.suffix != ".pyc"
    }


def plan(out_dir: Path, files: Mapping[str, bytes], digests: Mapping[str, str] | None = None) -> Plan:
    """What writing `files` would change; with `digests` (sha256 by name, as the run cache keeps
    them), present files are compared by hash and `files` is only read for what must be written."""
    result = Plan(out_dir, files)
    present = existing_files(out_dir)
    for name in sorted(files):
        if name not in present:
            result.added.append(name)
        elif digests is not None:
            if hashlib.sha256((out_dir / name).read_bytes()).hexdigest() != digests[name]:
                result.changed.append(name)
        elif (out_dir / name).read_bytes() != files[name]:
            result.changed.append(name)
    result.removed = sorted(present - set(files))
    return result


def apply(result: Plan) -> None:
    """All or nothing: stage every new file beside its target first (a failure there, such as a
    full disk, leaves the output folder as it was), then swap them in while keeping the replaced
    and removed files aside; if a swap fails, put everything back before raising."""
    created = _missing_parents(result)
    staged: list[tuple[Path, Path]] = []
    try:
        for name in result.added + result.changed:
            target = result.out_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            staged.append((_temp_beside(target, result.files[name]), target))
    except BaseException:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        _remove_empty(created)
        raise
    done: list[tuple[Path, Path | None]] = []  # (target, where its old bytes wait, if it had any)
    try:
        for temp, target in staged:
            backup = _set_aside(target) if target.exists() else None
            done.append((target, backup))
            os.replace(temp, target)
        for name in result.removed:
            target = result.out_dir / name
            done.append((target, _set_aside(target)))
    except BaseException:
        for target, backup in reversed(done):
            if backup is not None:
                os.replace(backup, target)
            else:
                target.unlink(missing_ok=True)
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        _remove_empty(created)
        raise
    for _, backup in done:
        if backup is not None:
            backup.unlink(missing_ok=True)
    for name in result.removed:
        for parent in (result.out_dir / name).parents:
            if parent == result.out_dir or not parent.is_dir() or any(parent.iterdir()):
                break
            parent.rmdir()


def write_atomic(path: Path, content: bytes) -> None:
    """Write one file so that a concurrent reader sees the old content or the new, never half of it
    (the caches under .capgen-cache use it too)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.replace(_temp_beside(path, content), path)


def _temp_beside(target: Path, content: bytes) -> Path:
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.chmod(temp, 0o644)  # mkstemp creates 0600; generated files are ordinary files
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return Path(temp)


def _set_aside(target: Path) -> Path:
    """Move `target` to a fresh hidden name beside it (same folder, so the move is atomic)."""
    handle, backup = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".old")
    os.close(handle)
    try:
        os.replace(target, backup)
    except BaseException:
        Path(backup).unlink(missing_ok=True)
        raise
    return Path(backup)


def _missing_parents(result: Plan) -> list[Path]:
    """Folders a write would create, deepest first (to remove again if it fails)."""
    missing: set[Path] = set()
    for name in result.added:
        for parent in (result.out_dir / name).parents:
            if parent.exists():
                break
            missing.add(parent)
    return sorted(missing, key=lambda p: len(p.parts), reverse=True)


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
