"""The broken-spec corpus (tests/data/broken-specs): every case is refused with exit 1, the exact
`file:line` and message, no traceback, and `generated/` byte for byte as it was.

Each case folder holds spec files that replace or join a valid project (spec_project's defaults);
the project's `generated/` is first filled by a valid generation of that project, so a run that
wrote anything before failing would show.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import main
from generator.pipeline import generate

from spec_project import make_project

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "data" / "broken-specs"
CASES: dict[str, dict[str, str]] = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` (hidden and temporary ones too) with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def valid_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The valid project every case breaks, generated once."""
    root = tmp_path_factory.mktemp("valid")
    generate(make_project(root))
    return root


def broken_copy(valid_project: Path, case: str, into: Path) -> Path:
    """A copy of the generated valid project with the case's spec files laid over its specs/."""
    root = into / "project"
    shutil.copytree(valid_project / "specs", root / "specs")
    shutil.copytree(valid_project / "generated", root / "generated")
    shutil.copytree(CORPUS / case, root / "specs", dirs_exist_ok=True)
    return root


def check_refusal(case: str, exit_code: int, stderr: str) -> None:
    location, _, fragment = CASES[case]["error"].partition(": ")
    assert exit_code == 1, stderr
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert lines[-1].endswith("problem(s) found; generated/ was not changed."), stderr
    matching = [line for line in lines if line.startswith(f"{location}: ")]
    assert matching, f"nothing reported at {location}:\n{stderr}"
    assert any(fragment in line for line in matching), f"{fragment!r} not in:\n" + "\n".join(matching)


def test_the_corpus_is_large_and_every_case_has_an_expected_error() -> None:
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir()}
    assert folders == set(CASES)
    assert len(CASES) >= 40
    for case, expected in CASES.items():
        location, _, fragment = expected["error"].partition(": ")
        assert location.startswith("specs/") and location.rsplit(":", 1)[1].isdigit() and fragment, case


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_spec_is_refused_and_generated_is_untouched(case: str, valid_project: Path, tmp_path: Path) -> None:
    root = broken_copy(valid_project, case, tmp_path)
    before = snapshot(root / "generated")
    result = CliRunner().invoke(main, ["--root", str(root), "generate"])
    # Any exception other than the CLI's own exit is a crash of the generator.
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    check_refusal(case, result.exit_code, result.stderr)
    assert snapshot(root / "generated") == before


@pytest.mark.parametrize("case", ["yaml-tab-indentation", "schema-allof-itself", "x-capgen-method-not-a-string"])
def test_broken_spec_through_a_real_process(case: str, valid_project: Path, tmp_path: Path) -> None:
    root = broken_copy(valid_project, case, tmp_path)
    before = snapshot(root / "generated")
    completed = subprocess.run(
        [sys.executable, "-c", "from generator.cli import run; run()", "--root", str(root), "generate"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    check_refusal(case, completed.returncode, completed.stderr)
    assert completed.stdout == ""
    assert snapshot(root / "generated") == before
