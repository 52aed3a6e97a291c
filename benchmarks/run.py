"""Performance harness (`make bench`): each figure is printed with its ratio against a baseline
measured in the same run, as the median of repeated runs. Not a test: it always exits 0."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.pipeline import Project, generate, load_and_validate  # noqa: E402
from generator.specset import load_specs  # noqa: E402


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def report(name: str, ours: float, baseline_name: str, baseline: float) -> None:
    print(
        f"{name:<44} {ours * 1000:9.1f} ms   baseline {baseline_name:<34} {baseline * 1000:9.1f} ms"
        f"   ratio {ours / baseline:6.2f}x"
    )


def import_time(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    env_path = str(REPO / "generated" / "python")
    output = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
    ).stdout
    return float(output)


def main() -> None:
    project = Project.at(REPO)
    print(f"capgen benchmarks on {sys.platform}, Python {sys.version.split()[0]}")
    noop = median_seconds(lambda: generate(project, write=False), repeat=5)
    parse = median_seconds(lambda: load_specs(project.specs_dir, REPO), repeat=5)
    validate = median_seconds(lambda: load_and_validate(project), repeat=5)
    report("no-op regeneration (capgen check)", noop, "parsing the specs alone", parse)
    report("validation (load + validate + lint)", validate, "parsing the specs alone", parse)
    ours = statistics.median(import_time("import capillary") for _ in range(7))
    deps = statistics.median(import_time("import httpx, pydantic") for _ in range(7))
    report("import capillary (fresh interpreter)", ours, "import httpx + pydantic", deps)


if __name__ == "__main__":
    main()
