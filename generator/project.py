"""Where a capgen project keeps its inputs and outputs (no heavy imports: the CLI loads this first)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class Project:
    """Where a capgen project keeps its inputs and outputs."""

    root: Path
    specs_dir: Path
    out_dir: Path
    templates_dir: Path = TEMPLATES_DIR
    cache_dir: Path | None = None

    @property
    def memo_dir(self) -> Path | None:
        """Where intermediate results are kept between runs (`memo.Memo`), if anywhere."""
        return self.cache_dir / "memo" if self.cache_dir is not None else None

    @classmethod
    def at(cls, root: Path) -> Project:
        """The standard layout: specs/, templates/ (or capgen's own), generated/, .capgen-cache/."""
        templates = root / "templates"
        return cls(
            root,
            root / "specs",
            root / "generated",
            templates if (templates / "python").is_dir() else TEMPLATES_DIR,
            root / ".capgen-cache",
        )
