"""The whole run: load -> validate -> build IR -> render -> format -> (compare or write)."""

from __future__ import annotations

from . import ir
from .build import build_api
from .memo import Memo
from .parallel import beside
from .project import Project
from .specset import SpecSet, load_specs
from .validate import Validation, validate_specs
from .write import Plan, apply, plan


def load_and_validate(project: Project) -> SpecSet:
    memo = Memo(project.memo_dir)
    spec_set = load_specs(project.specs_dir, project.root, memo)
    validate_specs(spec_set, memo)
    return spec_set


def build(project: Project) -> tuple[SpecSet, ir.Api]:
    spec_set = load_and_validate(project)
    return spec_set, build_api(spec_set, Memo(project.memo_dir))


def generate(project: Project, write: bool = True) -> Plan:
    """Regenerate; write the changed files unless `write` is False (as `capgen check` does)."""
    memo = Memo(project.memo_dir)
    spec_set = load_specs(project.specs_dir, project.root, memo)
    validation = Validation(spec_set, memo)
    # Checking a changed file against the OpenAPI rules takes as long as the rest of the run, so those
    # checks run beside it; what it makes is used only if they pass, and their errors come first.
    with beside(validation.run, fork=bool(validation.pending)) as checks:
        from .outputs import render_all  # only now: the checks need none of what it loads

        try:
            files = render_all(project, spec_set, build_api(spec_set, memo), memo)
        except Exception:
            checks.result()  # a spec error explains a failed build better than the build does
            raise
        checks.result()
    result = plan(project.out_dir, files)
    if write:
        apply(result)
    return result
