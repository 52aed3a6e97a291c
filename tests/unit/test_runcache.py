"""The run cache: a generation whose inputs were generated before is replayed, not recomputed."""

from __future__ import annotations

import pytest

from generator import pipeline, runcache

from spec_project import ITEMS, make_project


@pytest.fixture
def full_runs(monkeypatch) -> list[str]:
    """Counts the runs of the whole pipeline."""
    runs: list[str] = []
    real = pipeline.generate

    def counting(project, write=True):
        runs.append(project.root.name)
        return real(project, write)

    monkeypatch.setattr(pipeline, "generate", counting)
    return runs


def test_an_unchanged_project_is_replayed(tmp_path, full_runs) -> None:
    project = make_project(tmp_path)
    first = runcache.generate(project)
    assert first.added and len(full_runs) == 1
    again = runcache.generate(project, write=False)
    assert again.stale == [] and len(again.files) == len(first.files) and len(full_runs) == 1


@pytest.mark.parametrize(
    "edit",
    [
        lambda p: (p.specs_dir / "v2/items.yaml").write_text(ITEMS.replace("Returns an item.", "Gives an item.")),
        lambda p: (p.specs_dir / "v2/extra.yaml").write_text("openapi: 3.1.0\ninfo: {title: X, version: '2'}\n"),
        lambda p: (p.specs_dir / "v2/items.yaml").rename(p.specs_dir / "v2/things.yaml"),
    ],
    ids=["content", "new-file", "renamed-file"],
)
def test_any_change_of_the_specs_runs_the_pipeline(tmp_path, full_runs, edit) -> None:
    project = make_project(tmp_path)
    runcache.generate(project)
    edit(project)
    try:
        runcache.generate(project, write=False)
    except Exception:  # a new file may well be an invalid spec: what matters is that it was looked at
        pass
    assert len(full_runs) == 2


def test_a_changed_template_runs_the_pipeline(tmp_path, full_runs) -> None:
    project = make_project(tmp_path)
    runcache.generate(project)
    assert runcache.fingerprint(project) == runcache.fingerprint(project)
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "python").symlink_to(project.templates_dir / "python")
    custom = type(project).at(tmp_path)  # the project's own templates now take precedence
    assert runcache.fingerprint(custom) != runcache.fingerprint(project)


def test_hand_edits_are_reported_and_restored_from_the_cache(tmp_path, full_runs) -> None:
    project = make_project(tmp_path)
    runcache.generate(project)
    module = project.out_dir / "python/capillary/v2/items.py"
    original = module.read_bytes()
    module.write_bytes(original + b"# edited\n")
    (project.out_dir / "python/capillary/v2/models.py").unlink()
    (project.out_dir / "python/stray.py").write_text("x = 1\n")
    stale = runcache.generate(project, write=False)
    assert (stale.changed, stale.added, stale.removed) == (
        ["python/capillary/v2/items.py"],
        ["python/capillary/v2/models.py"],
        ["python/stray.py"],
    )
    runcache.generate(project)
    assert module.read_bytes() == original and (project.out_dir / "python/capillary/v2/models.py").is_file()
    assert not (project.out_dir / "python/stray.py").exists() and len(full_runs) == 1


def test_a_failed_run_is_not_recorded(tmp_path, full_runs) -> None:
    project = make_project(tmp_path, {"v2/items.yaml": ITEMS.replace("operationId: getItem", "operationId: [x]")})
    for _ in range(2):
        with pytest.raises(Exception, match="operationId"):
            runcache.generate(project)
    assert len(full_runs) == 2 and not (tmp_path / ".capgen-cache" / "runs").exists()


def test_missing_blobs_fall_back_to_the_pipeline(tmp_path, full_runs) -> None:
    project = make_project(tmp_path)
    runcache.generate(project)
    (project.out_dir / "python/capillary/v2/items.py").unlink()
    for blob in (tmp_path / ".capgen-cache" / "blobs").rglob("*"):
        if blob.is_file():
            blob.unlink()
    runcache.generate(project)
    assert (project.out_dir / "python/capillary/v2/items.py").is_file() and len(full_runs) == 2
