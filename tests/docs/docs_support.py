"""What the docs tests share: where the generated docs are, the API they describe, the golden project."""

from __future__ import annotations

import os
import shutil
from functools import cache
from pathlib import Path

from generator import ir
from generator.pipeline import Project, build, generate

REPO = Path(__file__).resolve().parents[2]
# As for the contract tests, CAPGEN_ROOT points these tests at another project folder.
PROJECT = Project.at(Path(os.environ.get("CAPGEN_ROOT", REPO)).resolve())
DOCS = PROJECT.out_dir / "docs"
SITE = DOCS / "site" / "index.html"
GOLDEN_SPECS = REPO / "tests" / "fixtures" / "golden" / "specs"


@cache
def api() -> ir.Api:
    return build(PROJECT)[1]


def golden_project(tmp_path: Path, replace: dict[str, str] | None = None) -> Project:
    """A generated copy of the golden fixture project, with text of its pets spec replaced."""
    shutil.copytree(GOLDEN_SPECS, tmp_path / "specs")
    pets = tmp_path / "specs" / "v2" / "pets.yaml"
    text = pets.read_text(encoding="utf-8")
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    pets.write_text(text, encoding="utf-8")
    project = Project.at(tmp_path)
    generate(project)
    return project
