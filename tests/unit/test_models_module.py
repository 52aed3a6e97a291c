"""A models module joined from separately formatted classes is what formatting it whole gives."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from ruff.__main__ import find_ruff_bin

from generator.format import _RUFF_ARGS

REPO = Path(__file__).resolve().parents[2]
MODELS_MODULES = sorted(
    [
        *(REPO / "generated" / "python").glob("capillary/*/models.py"),
        *(REPO / "tests/fixtures/golden/generated").rglob("models.py"),
    ]
)


def test_there_are_models_modules_to_check() -> None:
    assert len(MODELS_MODULES) > 5


@pytest.mark.parametrize("module", MODELS_MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_a_joined_models_module_needs_no_formatting(module: Path) -> None:
    done = subprocess.run(
        [find_ruff_bin(), *_RUFF_ARGS, "--check", "--diff", str(module)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
