"""Compare the rendered files with `generated/` and write only what changed, atomically."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# Left behind by Python and pytest when the generated package is imported in place.
_IGNORED_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}


@dataclass
class Plan:
    """What a write would do to the output folder."""

    out_dir: Path
    files: dict[str, bytes]
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


def plan(out_dir: Path, files: dict[str, bytes]) -> Plan:
    result = Plan(out_dir, files)
    present = existing_files(out_dir)
    for name, content in sorted(files.items()):
        if name not in present:
            result.added.append(name)
        elif (out_dir / name).read_bytes() != content:
            result.changed.append(name)
    result.removed = sorted(present - set(files))
    return result


def apply(result: Plan) -> None:
    """Stage every new file beside its target first, then swap them in: a failure while staging
    (disk full, permissions) leaves the output folder as it was."""
    staged: list[tuple[Path, Path]] = []
    try:
        for name in result.added + result.changed:
            target = result.out_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            with os.fdopen(handle, "wb") as stream:
                stream.write(result.files[name])
            os.chmod(temp, 0o644)  # mkstemp creates 0600; generated files are ordinary files
            staged.append((Path(temp), target))
    except BaseException:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        raise
    for temp, target in staged:
        os.replace(temp, target)
    for name in result.removed:
        (result.out_dir / name).unlink()
    for name in result.removed:
        for parent in (result.out_dir / name).parents:
            if parent == result.out_dir or not parent.is_dir() or any(parent.iterdir()):
                break
            parent.rmdir()
