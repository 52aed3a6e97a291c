"""The whole run: load -> validate -> build IR -> render -> format -> (compare or write)."""

from __future__ import annotations

from . import ir
from .build import build_api
from .bundle import bundle_version, dump_bundle
from .docs import render_docs, versions_to_render
from .format import Formatter
from .memo import Memo, Pieces
from .parallel import beside
from .project import Project
from .render import Renderer
from .specset import SpecSet, load_specs
from .validate import Validation, validate_specs
from .write import Plan, apply, plan


def load_and_validate(project: Project) -> SpecSet:
    memo = project_memo(project)
    spec_set = load_specs(project.specs_dir, project.root, memo)
    validate_specs(spec_set, memo)
    return spec_set


def project_memo(project: Project) -> Memo:
    return Memo(project.cache_dir / "memo" if project.cache_dir is not None else None)


def build(project: Project) -> tuple[SpecSet, ir.Api]:
    spec_set = load_and_validate(project)
    return spec_set, build_api(spec_set, project_memo(project))


def render_all(project: Project, spec_set: SpecSet, api: ir.Api) -> dict[str, bytes]:
    """Every output file, relative to `generated/`, fully formatted, in memory."""
    memo = project_memo(project)
    renderer = Renderer(project.templates_dir, project.cache_dir)
    formatter = Formatter(project.cache_dir)
    # The docs need nothing else of the run: when there are many to make (a cold run, a change to
    # several versions), they are made beside the rest. For one version a process costs about what
    # it saves, and more on a busy machine.
    many = versions_to_render(renderer, api, memo) > 1
    with beside(lambda: render_docs(renderer, formatter, api, memo), fork=many) as docs:
        files = {f"python/{name}": text for name, text in python_package(renderer, formatter, api, memo).items()}
        bundled = bundles(spec_set, api, memo)
        files.update(docs.result())
    files.update(bundled)
    return {name: text.encode("utf-8") for name, text in files.items()}


def bundles(spec_set: SpecSet, api: ir.Api, memo: Memo) -> dict[str, str]:
    """Each version bundled into one OpenAPI document; a version whose inputs did not change is
    taken from `memo`, and paths and components dumped in the last run are not dumped again."""
    files = {}
    for version in api.versions:
        key = memo.key("bundle", version.inputs_digest)
        text = memo.get(key)
        if text is None:
            pieces = Pieces(memo, f"bundle pieces {version.name}")
            text = dump_bundle(bundle_version(spec_set, version.name), pieces)
            memo.put(key, text)
            pieces.save()
        files[f"openapi/{version.name}.yaml"] = text
    return files


def python_package(renderer: Renderer, formatter: Formatter, api: ir.Api, memo: Memo | None = None) -> dict[str, str]:
    """The client package's files, relative to `generated/python/`, its modules formatted. With
    `memo`, a version whose inputs and templates did not change is not rendered again, and in a
    version that did change, only the modules whose inputs changed are."""
    memo = memo or Memo(None)
    files: dict[str, str] = {}
    fresh = renderer.package_files(api)  # rendered in this run, to be formatted
    changed: list[tuple[str, Pieces, dict[str, str]]] = []  # memo key, pieces, module -> piece digest
    for version in api.versions:
        key = memo.key("python", renderer.digest, version.inputs_digest)
        known = memo.get(key)
        if known is not None:
            files.update(known)
            continue
        pieces, digests = Pieces(memo, f"python pieces {version.name}"), {}
        for name, (material, make) in renderer.version_modules(version).items():
            digest = digests[name] = Pieces.digest(renderer.digest.encode() + material) if material else ""
            piece = pieces.find(digest) if digest else None
            if piece is None:
                fresh[name] = make()
            else:
                files[name] = piece
        changed.append((key, pieces, digests))
    fresh.update(formatter.format_all({name: text for name, text in fresh.items() if name.endswith(".py")}))
    files.update(fresh)
    for key, pieces, digests in changed:
        for name, digest in digests.items():
            if name in fresh and digest:
                pieces.keep(digest, fresh[name])
        memo.put(key, {name: files[name] for name in digests})
        pieces.save()
    return files


def generate(project: Project, write: bool = True) -> Plan:
    """Regenerate; write the changed files unless `write` is False (as `capgen check` does)."""
    memo = project_memo(project)
    spec_set = load_specs(project.specs_dir, project.root, memo)
    validation = Validation(spec_set, memo)
    # Checking a changed file against the OpenAPI rules takes as long as the rest of the run, so those
    # checks run beside it; what it makes is used only if they pass, and their errors come first.
    with beside(validation.run, fork=bool(validation.pending)) as checks:
        try:
            files = render_all(project, spec_set, build_api(spec_set, memo))
        except Exception:
            checks.result()  # a spec error explains a failed build better than the build does
            raise
        checks.result()
    result = plan(project.out_dir, files)
    if write:
        apply(result)
    return result
