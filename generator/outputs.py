"""Every output of a run, from the IR: the Python package, the docs and the bundled specs.

Kept apart from `pipeline`, which loads and checks the specs first: this module loads Jinja, the
Markdown converter and the formatter (~0.1 s), and a run imports it only once the checks of the
changed files have started beside it, so they start that much earlier.
"""

from __future__ import annotations

from . import ir
from .bundle import dump_bundle, joined_bundle
from .docs import render_docs, versions_to_render
from .format import Formatter
from .memo import Memo, Pieces
from .models_module import ModelsModule
from .parallel import beside
from .project import Project
from .render import Renderer
from .specset import SpecSet


def render_all(project: Project, spec_set: SpecSet, api: ir.Api, memo: Memo) -> dict[str, bytes]:
    """Every output file, relative to `generated/`, fully formatted, in memory."""
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
    taken from `memo`; in one that changed, only the changed files' paths and components are copied
    and dumped again."""
    files = {}
    for version in api.versions:
        key = memo.key("bundle", version.inputs_digest)
        text = memo.get(key)
        if text is None:
            pieces = Pieces(memo, f"bundle pieces {version.name}")
            document, digests = joined_bundle(spec_set, version.name, memo)
            text = dump_bundle(document, pieces, digests)
            memo.put(key, text)
            pieces.save()
        files[f"openapi/{version.name}.yaml"] = text
    return files


def python_package(renderer: Renderer, formatter: Formatter, api: ir.Api, memo: Memo | None = None) -> dict[str, str]:
    """The client package's files, relative to `generated/python/`, its modules formatted. With
    `memo`, a version whose inputs and templates did not change is not rendered again, and in a
    version that did change, only the modules and model classes whose inputs changed are."""
    memo = memo or Memo(None)
    files: dict[str, str] = {}
    fresh = renderer.package_files(api)  # rendered in this run, to be formatted
    models: dict[str, ModelsModule] = {}
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
        name = f"capillary/{version.module}/models.py"
        models[name], digests[name] = ModelsModule(renderer, version, pieces), ""
        changed.append((key, pieces, digests))
    # One formatting batch for the modules and the model classes: starting ruff costs more than formatting.
    sources = {name: text for name, text in fresh.items() if name.endswith(".py")}
    sources.update(
        {f"{name}, {part}": text for name, module in models.items() for part, text in module.sources.items()}
    )
    formatted = formatter.format_all(sources)
    files.update({name: formatted.get(name, text) for name, text in fresh.items()})
    for name, module in models.items():
        files[name] = module.assemble({part: formatted[f"{name}, {part}"] for part in module.sources})
    for key, pieces, digests in changed:
        for name, digest in digests.items():
            if name in fresh and digest:
                pieces.keep(digest, files[name])
        memo.put(key, {name: files[name] for name in digests})
        pieces.save()
    return files
