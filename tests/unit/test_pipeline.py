"""The whole run through the CLI: writes only changes, deterministic, nothing written on failure."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import pipeline
from generator.cli import main
from generator.errors import GeneratorBug, SpecErrors
from generator.pipeline import Project, generate

from spec_project import ITEMS, make_project

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "fixtures" / "golden"


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run(project: Project, *args: str):
    return CliRunner().invoke(main, ["--root", str(project.root), *args])


def test_generate_then_rerun_is_byte_identical_and_writes_nothing(tmp_path) -> None:
    project = make_project(tmp_path)
    first = run(project, "generate")
    assert first.exit_code == 0, first.output
    assert (project.out_dir / "python/capillary/v2/items.py").is_file()
    assert (project.out_dir / "openapi/v2.yaml").is_file()
    assert (project.out_dir / "docs/slate/v2/index.html.md").is_file()
    assert (project.out_dir / "docs/site/index.html").is_file()
    before = {p: p.stat().st_mtime_ns for p in project.out_dir.rglob("*") if p.is_file()}
    digest = tree_digest(project.out_dir)
    second = run(project, "generate")
    assert second.exit_code == 0 and "0 changed" in second.output
    assert tree_digest(project.out_dir) == digest
    assert {p: p.stat().st_mtime_ns for p in project.out_dir.rglob("*") if p.is_file()} == before
    assert run(project, "check").exit_code == 0


def test_a_spec_change_rewrites_only_the_files_it_affects(tmp_path) -> None:
    project = make_project(tmp_path)
    generate(project)
    (project.specs_dir / "v2/items.yaml").write_text(ITEMS.replace("Returns an item.", "Returns one item."))
    result = generate(project, write=False)
    assert result.changed == [
        "docs/site/index.html",
        "docs/slate/v2/includes/_items.md",
        "openapi/v2.yaml",
        "python/capillary/v2/items.py",
    ]


def test_check_lists_stale_missing_and_extra_files(tmp_path) -> None:
    project = make_project(tmp_path)
    generate(project)
    (project.out_dir / "python/capillary/v2/items.py").write_text("# edited by hand\n")
    (project.out_dir / "python/capillary/v2/models.py").unlink()
    (project.out_dir / "python/capillary/leftover.py").write_text("")
    result = run(project, "check")
    assert result.exit_code == 1
    assert "stale: generated/python/capillary/v2/items.py" in result.output
    assert "missing: generated/python/capillary/v2/models.py" in result.output
    assert "extra: generated/python/capillary/leftover.py" in result.output
    assert run(project, "generate").exit_code == 0
    assert not (project.out_dir / "python/capillary/leftover.py").exists()
    assert run(project, "check").exit_code == 0


def test_a_broken_spec_exits_1_with_file_line_and_leaves_generated_untouched(tmp_path) -> None:
    project = make_project(tmp_path)
    generate(project)
    digest = tree_digest(project.out_dir)
    (project.specs_dir / "v2/items.yaml").write_text(ITEMS.replace("summary: Get an item", "summary: [a\n"))
    (project.specs_dir / "v2/api.yaml").write_text("openapi: 3.1.0\ninfo: {title: x}\ninfo: {title: y}\n")
    result = run(project, "generate")
    assert result.exit_code == 1
    assert "specs/v2/items.yaml:" in result.output
    assert "specs/v2/api.yaml:3: duplicate key 'info'" in result.output
    assert "generated/ was not changed" in result.output
    assert tree_digest(project.out_dir) == digest


def test_validate_json_output(tmp_path) -> None:
    project = make_project(tmp_path, {"v2/items.yaml": ITEMS.replace("      summary: Get an item\n", "")})
    result = run(project, "validate", "--format", "json")
    assert result.exit_code == 1
    assert '"rule": "operation-summary"' in result.output and '"line": 5' in result.output


def test_a_template_error_writes_nothing(tmp_path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "templates", templates)
    project = make_project(tmp_path)
    generate(project)
    digest = tree_digest(project.out_dir)
    (project.specs_dir / "v2/items.yaml").write_text(ITEMS.replace("Returns an item.", "Changed."))
    models = templates / "python/version/resource.py.jinja"
    models.write_text(models.read_text() + "\ndef broken(:\n")
    result = run(project, "generate")
    assert result.exit_code == 1 and "not valid Python" in result.output
    assert tree_digest(project.out_dir) == digest


def test_golden_fixture_output_is_current() -> None:
    """tests/fixtures/golden pins the generator's output for awkward names; regenerate it with
    `capgen --root tests/fixtures/golden generate` after an intended change and review the diff."""
    result = generate(Project.at(GOLDEN), write=False)
    assert result.stale == []


def test_a_missing_or_broken_template_is_a_clear_error_and_writes_nothing(tmp_path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "templates", templates)
    project = make_project(tmp_path)
    generate(project)
    digest = tree_digest(project.out_dir)
    (templates / "python/version/models.py.jinja").write_text("{{ undefined_name.attribute }}\n")
    result = run(project, "generate")
    assert result.exit_code == 1
    assert "template python/version/models.py.jinja:1: UndefinedError" in result.output
    (templates / "python/version/models.py.jinja").unlink()
    result = run(project, "generate")
    assert result.exit_code == 1 and "TemplateNotFound" in result.output and "Traceback" not in result.output
    assert tree_digest(project.out_dir) == digest


@pytest.mark.parametrize("serial", ["1", ""])
def test_spec_errors_come_before_a_build_that_fails_on_the_broken_spec(tmp_path, monkeypatch, serial) -> None:
    """The pending checks run beside the build (CAPGEN_SERIAL unset) or before it: either way a broken
    spec is reported as such, not as whatever the build trips over, and nothing is written."""
    monkeypatch.setenv("CAPGEN_SERIAL", serial)
    if not serial:  # fork even with the suite's threads about (see test_parallel's `forks`)
        monkeypatch.setattr(os, "cpu_count", lambda: 2)
        monkeypatch.setattr(threading, "active_count", lambda: 1)
    project = make_project(tmp_path, {"v2/items.yaml": ITEMS.replace("operationId: getItem", "operationId: 42")})

    def build_trips(*_args):
        raise KeyError("operationId")

    monkeypatch.setattr(pipeline, "build_api", build_trips)
    with pytest.raises(SpecErrors) as raised:
        generate(project)
    assert any("operationId" in error.message for error in raised.value.errors)
    assert not project.out_dir.exists()


def test_a_build_failure_on_valid_specs_is_reported_as_it_is(tmp_path, monkeypatch) -> None:
    project = make_project(tmp_path)

    def build_fails(*_args):
        raise GeneratorBug("the build broke")

    monkeypatch.setattr(pipeline, "build_api", build_fails)
    with pytest.raises(GeneratorBug, match="the build broke"):
        generate(project)


def test_the_checks_start_before_the_output_stage_is_imported(tmp_path) -> None:
    """The changed files' checks are started beside the run as soon as the specs are loaded; the
    output stage's imports (Jinja, Markdown, the formatter: ~0.1 s) come after, so they do not delay
    them. A fresh interpreter shows what has been imported when the checks begin."""
    project = make_project(tmp_path)
    script = textwrap.dedent(f"""
        import sys
        from generator import pipeline, validate
        from generator.project import Project
        heavy = ("generator.outputs", "jinja2", "markdown_it", "generator.format")
        real_run = validate.Validation.run
        def run(self):
            print("at checks:", sorted(m for m in heavy if m in sys.modules))
            return real_run(self)
        validate.Validation.run = run
        pipeline.generate(Project.at(__import__("pathlib").Path({str(project.root)!r})), write=False)
        print("at end:", sorted(m for m in heavy if m in sys.modules))
        """)
    env = {**os.environ, "CAPGEN_SERIAL": "1", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == [
        "at checks: []",
        "at end: ['generator.format', 'generator.outputs', 'jinja2', 'markdown_it']",
    ]


def test_the_console_script_exits_with_each_outcome_and_flushes_what_it_printed(tmp_path) -> None:
    """`capgen` skips the interpreter's teardown (`cli.run` ends with `os._exit`): its output, piped
    and so buffered, must still arrive, and each outcome must keep its exit status."""
    assert 'capgen = "generator.cli:run"' in (REPO / "pyproject.toml").read_text()
    project = make_project(tmp_path)

    def capgen(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-c", "from generator.cli import run; run()", "--root", str(project.root), *args]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    generated = capgen("generate")
    assert generated.returncode == 0, generated.stderr
    assert re.fullmatch(r"\d+ files, \d+ changed, in \d+\.\d\ds\.", generated.stdout.splitlines()[-1])
    assert "wrote generated/python/capillary/v2/items.py" in generated.stdout
    current = capgen("check")
    assert (current.returncode, current.stdout.startswith("generated/ is up to date")) == (0, True), current
    (project.out_dir / "openapi/v2.yaml").write_text("stale\n")
    stale = capgen("check")
    assert stale.returncode == 1
    assert stale.stderr.splitlines() == [
        "stale: generated/openapi/v2.yaml",
        "1 file(s) out of date: run `make generate`.",
    ]
    usage = capgen("no-such-command")
    assert usage.returncode == 2 and "No such command" in usage.stderr
