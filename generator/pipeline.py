"""The whole run: load -> validate -> build IR -> render -> format -> (compare or write)."""

from __future__ import annotations

from . import ir
from .build import build_api
from .bundle import bundle_version, dump_yaml
from .docs import render_docs
from .format import Formatter
from .project import Project
from .render import Renderer
from .specset import SpecSet, load_specs
from .validate import validate_specs
from .write import Plan, apply, plan


def load_and_validate(project: Project) -> SpecSet:
    spec_set = load_specs(project.specs_dir, project.root)
    validate_specs(spec_set)
    return spec_set


def build(project: Project) -> tuple[SpecSet, ir.Api]:
    spec_set = load_and_validate(project)
    return spec_set, build_api(spec_set)


def render_all(project: Project, spec_set: SpecSet, api: ir.Api) -> dict[str, bytes]:
    """Every output file, relative to `generated/`, fully formatted, in memory."""
    renderer = Renderer(project.templates_dir)
    formatter = Formatter(project.cache_dir)
    files = {f"python/{name}": text for name, text in python_package(renderer, formatter, api).items()}
    files.update(render_docs(renderer, formatter, api))
    for version in api.versions:
        files[f"openapi/{version.name}.yaml"] = dump_yaml(bundle_version(spec_set, version.name))
    return {name: text.encode("utf-8") for name, text in files.items()}


def python_package(renderer: Renderer, formatter: Formatter, api: ir.Api) -> dict[str, str]:
    """The client package's files, relative to `generated/python/`, its modules formatted."""
    package = renderer.python_package(api)
    modules = formatter.format_all({name: text for name, text in package.items() if name.endswith(".py")})
    return {name: modules.get(name, text) for name, text in package.items()}


def generate(project: Project, write: bool = True) -> Plan:
    """Regenerate; write the changed files unless `write` is False (as `capgen check` does)."""
    spec_set, api = build(project)
    result = plan(project.out_dir, render_all(project, spec_set, api))
    if write:
        apply(result)
    return result
