"""Docs from the IR: Slate Markdown per version, one browsable HTML page, the package README.

`model` arranges the IR into pages, `samples` writes the code samples, `text` turns spec Markdown
into safe Slate Markdown or HTML; the templates under `templates/docs/` lay it all out.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from markupsafe import Markup

from .. import ir
from ..format import Formatter
from ..memo import Memo, Pieces
from . import text
from .model import DocsBuilder, OperationDoc, models_reached

if TYPE_CHECKING:  # render.py imports the docs filters from this package
    from ..render import Renderer

SITE_TITLE = "Capillary API reference"
SITE_ASSETS = ("app.js", "style.css")


def render_docs(renderer: Renderer, formatter: Formatter, api: ir.Api, memo: Memo | None = None) -> dict[str, str]:
    """Every docs file, relative to `generated/`. With `memo`, the pages and HTML parts of a version
    whose inputs and templates did not change are not rendered again, and in a version that did
    change, only the operations whose docs changed are."""
    memo = memo or Memo(None)
    keys = _keys(renderer, api, memo)
    parts: dict[str, dict[str, str]] = {name: memo.get(key) for name, key in keys.items()}
    builder = DocsBuilder(formatter)
    plans = [
        _VersionPlan(builder, renderer.digest, version, api.clusters, Pieces(memo, f"docs pieces {version.name}"))
        for version in api.versions
        if parts[version.name] is None
    ]
    readme_samples = builder.readme_samples(api.versions)
    formatter.flush()  # every new sample, formatted in one go
    for plan in plans:
        text.convert_with(plan.pieces)  # the version's Markdown conversions live with its pieces
        try:
            parts[plan.name] = plan.render(renderer)
        finally:
            text.convert_with(None)
        memo.put(keys[plan.name], parts[plan.name])
        plan.pieces.save()
    files = {"python/README.md": renderer.render("python/package/README.md.jinja", api=api, samples=readme_samples)}
    for version_parts in parts.values():
        files.update((name, content) for name, content in version_parts.items() if name.startswith("docs/"))
    page_parts = [{"nav": Markup(p["nav"]), "content": Markup(p["content"])} for p in parts.values()]
    files["docs/site/index.html"] = renderer.render("docs/html/index.html.jinja", title=SITE_TITLE, parts=page_parts)
    for name in SITE_ASSETS:
        files[f"docs/site/{name}"] = renderer.static(f"docs/html/{name}")
    return files


def versions_to_render(renderer: Renderer, api: ir.Api, memo: Memo) -> int:
    """How many versions' docs `render_docs` would make, not find in `memo`."""
    return sum(not memo.has(key) for key in _keys(renderer, api, memo).values())


def _keys(renderer: Renderer, api: ir.Api, memo: Memo) -> dict[str, str]:
    clusters = json.dumps(api.clusters, sort_keys=True)
    return {
        version.name: memo.key("docs", renderer.digest, version.inputs_digest, clusters) for version in api.versions
    }


class _VersionPlan:
    """A changed version's docs. Each operation's Slate and HTML sections are kept in `pieces` under a
    digest of everything they are made from: the templates, what the version gives every operation
    (its module, servers, security schemes and the CRM clusters), the operation's IR and the models
    its field tables list. An edit usually touches one operation, so only its docs are built again,
    before the samples of the run are formatted together. The IR's digests leave out source lines,
    which the docs do not show, so an edit that moves the lines below it renders nothing more."""

    def __init__(
        self, builder: DocsBuilder, templates: str, version: ir.Version, clusters: dict[str, str], pieces: Pieces
    ) -> None:
        self.name, self.pieces = version.name, pieces
        self.doc = builder.version(version, clusters)
        context = (version.name, version.module, version.servers, version.security_schemes, clusters)
        self._prefix = Pieces.digest(templates.encode() + Pieces.material(context))
        self.digests: dict[str, tuple[str, str]] = {}  # operation anchor -> its Slate and HTML piece digests
        self.new: dict[str, OperationDoc] = {}  # operation anchor -> its docs, where a piece is missing
        for resource in self.doc.resources:
            for link in resource.operations:
                whole = self._operation_digest(resource.resource, link.op)
                digests = self.digests[link.anchor] = (Pieces.digest("slate " + whole), Pieces.digest("html " + whole))
                if any(pieces.find(digest) is None for digest in digests):
                    self.new[link.anchor] = builder.operation(self.doc, resource.resource, link.op)

    def _operation_digest(self, resource: ir.Resource, op: ir.Operation) -> str:
        reached: dict[str, ir.Model] = {}
        for type_ref in (op.body.type if op.body else None, op.response.type):
            if type_ref is not None:
                models_reached(type_ref, self.doc.models, reached)
        material = [self._prefix, resource.module, op.digest, *(reached[name].digest for name in sorted(reached))]
        return Pieces.digest("\n".join(material))

    def render(self, renderer: Renderer) -> dict[str, str]:
        """The version's Slate pages (by file name) and its `nav` and `content` parts of the HTML page."""
        doc = self.doc
        base = f"docs/slate/{doc.version.name}"
        parts = {f"{base}/index.html.md": renderer.render("docs/slate/index.html.md.jinja", doc=doc)}
        sections = []
        for resource in doc.resources:
            slate, html = [], []
            for link in resource.operations:
                slate_digest, html_digest = self.digests[link.anchor]
                slate.append(self._piece(slate_digest, renderer, "docs/slate/operation.md.jinja", link.anchor))
                html.append(Markup(self._piece(html_digest, renderer, "docs/html/operation.html.jinja", link.anchor)))
            parts[f"{base}/includes/_{resource.resource.stem}.md"] = renderer.render(
                "docs/slate/resource.md.jinja", doc=resource, operations=slate
            )
            sections.append(
                Markup(
                    renderer.render(
                        "docs/html/resource.html.jinja", r=resource, module=doc.version.module, operations=html
                    )
                )
            )
        parts["nav"] = renderer.render("docs/html/nav.html.jinja", v=doc)
        parts["content"] = renderer.render("docs/html/version.html.jinja", v=doc, resources=sections)
        return parts

    def _piece(self, digest: str, renderer: Renderer, template: str, anchor: str) -> str:
        piece = self.pieces.find(digest)
        return piece if piece is not None else self.pieces.keep(digest, renderer.render(template, o=self.new[anchor]))
