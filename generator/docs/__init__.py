"""Docs from the IR: Slate Markdown per version, one browsable HTML page, the package README.

`model` arranges the IR into pages, `samples` writes the code samples, `text` turns spec Markdown
into safe Slate Markdown or HTML; the templates under `templates/docs/` lay it all out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import ir
from ..format import Formatter
from .model import DocsBuilder

if TYPE_CHECKING:  # render.py imports the docs filters from this package
    from ..render import Renderer

SITE_TITLE = "Capillary API reference"
SITE_ASSETS = ("app.js", "style.css")


def render_docs(renderer: Renderer, formatter: Formatter, api: ir.Api) -> dict[str, str]:
    """Every docs file, relative to `generated/`."""
    builder = DocsBuilder(formatter)
    versions = builder.versions(api)
    readme_samples = builder.readme_samples(versions)
    formatter.flush()
    readme = renderer.render("python/package/README.md.jinja", api=api, samples=readme_samples)
    files = {"python/README.md": readme}
    for doc in versions:
        base = f"docs/slate/{doc.version.name}"
        files[f"{base}/index.html.md"] = renderer.render("docs/slate/index.html.md.jinja", doc=doc)
        for resource in doc.resources:
            files[f"{base}/includes/_{resource.resource.stem}.md"] = renderer.render(
                "docs/slate/resource.md.jinja", doc=resource
            )
    files["docs/site/index.html"] = renderer.render("docs/html/index.html.jinja", title=SITE_TITLE, versions=versions)
    for name in SITE_ASSETS:
        files[f"docs/site/{name}"] = renderer.static(f"docs/html/{name}")
    return files
