"""The scripts `make bench` runs in fresh interpreters must keep up with the generator's modules
(bench itself is not part of the suite: a renamed import would only show there)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from spec_project import make_project

REPO = Path(__file__).resolve().parents[2]


def bench_module():
    spec = importlib.util.spec_from_file_location("capgen_bench_run", REPO / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_python_only_generation_script_runs(tmp_path) -> None:
    project = make_project(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", bench_module().PYTHON_ONLY, str(project.root)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
