"""Generation is atomic: a failure halfway (a template error on the last file, a full disk while
staging, an error while swapping files in) leaves generated/ exactly as it was."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import runcache, write
from generator.cli import main
from generator.memo import Memo
from generator.outputs import render_all
from generator.pipeline import Project, build, generate

from spec_project import ITEMS, make_project

REPO = Path(__file__).resolve().parents[2]


def things(name: str) -> str:
    """Another resource like `items`, named `name`."""
    singular = name.rstrip("s").capitalize()
    return (
        ITEMS.replace("tags: [items]", f"tags: [{name}]")
        .replace("/v2/items/", f"/v2/{name}/")
        .replace("getItem", f"get{singular}")
        .replace("Item", singular)
    )


def state(folder: Path) -> tuple[dict[str, bytes], set[str]]:
    """Every file with its bytes (hidden and temporary files too), and every folder."""
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    return files, {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_dir()}


@pytest.fixture
def changed_project(tmp_path: Path) -> Project:
    """A generated project whose specs then change so that a write adds, changes and removes
    files: `items` edited, `things` deleted, `parts` added (a new module and docs include)."""
    project = make_project(tmp_path, {"v2/things.yaml": things("things")})
    generate(project)
    (project.specs_dir / "v2/items.yaml").write_text(ITEMS.replace("Returns an item.", "Returns one item."))
    (project.specs_dir / "v2/things.yaml").unlink()
    (project.specs_dir / "v2/parts.yaml").write_text(things("parts"))
    return project


def rendered(project: Project) -> dict[str, bytes]:
    return render_all(project, *build(project), Memo(project.memo_dir))


def pending_plan(project: Project, files: dict[str, bytes]) -> write.Plan:
    result = write.plan(project.out_dir, files)
    assert result.added and result.changed and result.removed
    return result


def test_a_template_error_on_the_last_file_writes_nothing(changed_project: Project) -> None:
    templates = changed_project.root / "templates"
    shutil.copytree(REPO / "templates", templates)
    resource = templates / "python/version/resource.py.jinja"
    # `parts` is the last resource module rendered (after `items`): it alone fails.
    resource.write_text(
        "{% if resource.module == 'parts' %}{{ no_such_value.attribute }}{% endif %}\n" + resource.read_text()
    )
    before = state(changed_project.out_dir)
    result = CliRunner().invoke(main, ["--root", str(changed_project.root), "generate"])
    assert result.exit_code == 1 and "UndefinedError" in result.stderr and "Traceback" not in result.stderr
    assert state(changed_project.out_dir) == before


class FailOnCall:
    """Wraps an os function: the `n`-th call raises OSError (a full disk, a vanished folder), the others work."""

    def __init__(self, real, n: int) -> None:
        self.real, self.n, self.calls = real, n, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls == self.n:
            raise OSError(28, "No space left on device (injected)")
        return self.real(*args, **kwargs)


def count_calls(project: Project, files: dict[str, bytes], name: str, tmp_path: Path) -> int:
    """How often apply() calls os.<name> for this plan (on a throwaway copy)."""
    copy = tmp_path / "count"
    shutil.copytree(project.root, copy)
    counter = FailOnCall(getattr(os, name), 0)
    result = pending_plan(Project.at(copy), files)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(write.os, name, counter)
        write.apply(result)
    return counter.calls


@pytest.mark.parametrize("function", ["replace", "fdopen"])
def test_a_failure_at_any_step_of_the_write_leaves_generated_as_it_was(
    changed_project: Project, tmp_path: Path, function: str
) -> None:
    """`fdopen` fails while staging (writing the new files beside the old ones); `replace` fails
    while swapping them in or setting replaced and removed files aside: at every call in turn."""
    files = rendered(changed_project)
    total = count_calls(changed_project, files, function, tmp_path)
    assert total >= 5
    before = state(changed_project.out_dir)
    for n in range(1, total + 1):
        result = pending_plan(changed_project, files)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(write.os, function, FailOnCall(getattr(os, function), n))
            with pytest.raises(OSError, match="injected"):
                write.apply(result)
        assert state(changed_project.out_dir) == before, f"os.{function} call {n} of {total} left a mix"
    write.apply(pending_plan(changed_project, files))  # and with nothing failing, the write goes through
    assert generate(changed_project, write=False).stale == []
    assert not [name for name in state(changed_project.out_dir)[0] if name.rsplit("/", 1)[-1].startswith(".")]


def test_the_cli_reports_a_failed_write_without_a_traceback(changed_project: Project, monkeypatch) -> None:
    real_apply = write.apply

    def apply_on_a_failing_disk(result: write.Plan) -> None:
        with pytest.MonkeyPatch.context() as patch:  # only the write fails, not the formatter's cache
            patch.setattr(write.os, "replace", FailOnCall(os.replace, 3))
            real_apply(result)

    monkeypatch.setattr(runcache, "apply", apply_on_a_failing_disk)  # the CLI writes through the run cache
    before = state(changed_project.out_dir)
    result = CliRunner().invoke(main, ["--root", str(changed_project.root), "generate"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "No space left on device (injected); generated/ was not changed" in result.stderr
    assert state(changed_project.out_dir) == before
