"""Docs from the IR: Slate Markdown per version, one browsable HTML page, the package README.

`model` arranges the IR into pages, `samples` writes the code samples, `text` turns spec Markdown
into safe Slate Markdown or HTML; the templates under `templates/docs/` lay it all out.
"""

from __future__ import annotations

import json
import pickle
from functools import partial
from typing import TYPE_CHECKING

from markupsafe import Markup

from .. import ir
from ..format import Formatter
from ..memo import Memo, Pieces
from . import text
from .model import DocsBuilder, VersionDoc

if TYPE_CHECKING:  # render.py imports the docs filters from this package
    from ..render import Renderer

SITE_TITLE = "Capillary API reference"
SITE_ASSETS = ("app.js", "style.css")


def render_docs(renderer: Renderer, formatter: Formatter, api: ir.Api, memo: Memo | None = None) -> dict[str, str]:
    """Every docs file, relative to `generated/`. With `memo`, the pages and HTML parts of a version
    whose inputs and templates did not change are not rendered again."""
    memo = memo or Memo(None)
    clusters = json.dumps(api.clusters, sort_keys=True)
    keys = {
        version.name: memo.key("docs", renderer.digest, version.inputs_digest, clusters) for version in api.versions
    }
    parts: dict[str, dict[str, str]] = {name: memo.get(key) for name, key in keys.items()}
    builder = DocsBuilder(formatter)
    docs = {v.name: builder.version(v, api.clusters) for v in api.versions if parts[v.name] is None}
    readme_samples = builder.readme_samples(api.versions)
    formatter.flush()
    for name, doc in docs.items():
        pieces = Pieces(memo, f"docs pieces {name}")  # its rendered pieces and Markdown conversions
        text.convert_with(pieces)
        try:
            parts[name] = _version_parts(renderer, doc, pieces)
        finally:
            text.convert_with(None)
        memo.put(keys[name], parts[name])
        pieces.save()
    files = {"python/README.md": renderer.render("python/package/README.md.jinja", api=api, samples=readme_samples)}
    for version_parts in parts.values():
        files.update((name, content) for name, content in version_parts.items() if name.startswith("docs/"))
    page_parts = [{"nav": Markup(p["nav"]), "content": Markup(p["content"])} for p in parts.values()]
    files["docs/site/index.html"] = renderer.render("docs/html/index.html.jinja", title=SITE_TITLE, parts=page_parts)
    for name in SITE_ASSETS:
        files[f"docs/site/{name}"] = renderer.static(f"docs/html/{name}")
    return files


def _version_parts(renderer: Renderer, doc: VersionDoc, pieces: Pieces) -> dict[str, str]:
    """A version's Slate pages (by file name) and its `nav` and `content` parts of the HTML page.
    A resource's Slate page and an operation's HTML section are taken from `pieces` when their docs
    are what they were in the last run (an edit usually touches one operation)."""
    base = f"docs/slate/{doc.version.name}"
    module = doc.version.module
    parts = {f"{base}/index.html.md": renderer.render("docs/slate/index.html.md.jinja", doc=doc)}
    sections = []
    material = renderer.digest.encode() + b"\n"  # the templates; the pickled docs model is the rest
    for resource in doc.resources:
        parts[f"{base}/includes/_{resource.resource.stem}.md"] = pieces.get(
            b"slate\n" + material + pickle.dumps(resource, protocol=5),
            partial(renderer.render, "docs/slate/resource.md.jinja", doc=resource),
        )
        operations = [
            Markup(
                pieces.get(
                    b"html\n" + material + pickle.dumps(operation, protocol=5),
                    partial(renderer.render, "docs/html/operation.html.jinja", o=operation),
                )
            )
            for operation in resource.operations
        ]
        sections.append(
            Markup(renderer.render("docs/html/resource.html.jinja", r=resource, module=module, operations=operations))
        )
    parts["nav"] = renderer.render("docs/html/nav.html.jinja", v=doc)
    parts["content"] = renderer.render("docs/html/version.html.jinja", v=doc, resources=sections)
    return parts
