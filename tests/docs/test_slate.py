"""The Slate pages and the site's markup: structure, completeness, the computed auth example, escaping."""

from __future__ import annotations

import re
from html import unescape

import yaml
from docs_support import DOCS, REPO, SITE, api, golden_project

from generator.docs.samples import basic_example
from generator.docs.text import markdown, md_cell, md_text

GOLDEN_DOCS = REPO / "tests" / "fixtures" / "golden" / "generated" / "docs"


def front_matter(text: str) -> dict:
    match = re.match(r"---\n(.*?)\n---\n", text, re.DOTALL)
    assert match, "the page does not start with YAML front matter"
    return yaml.safe_load(match.group(1))


def test_front_matter_parses_and_lists_exactly_the_includes_written() -> None:
    for version in api().versions:
        folder = DOCS / "slate" / version.name
        meta = front_matter((folder / "index.html.md").read_text(encoding="utf-8"))
        assert meta["title"] == version.title
        assert meta["language_tabs"] == ["shell", "python"]
        assert meta["search"] is True and meta["toc_footers"]
        written = sorted(p.name for p in (folder / "includes").iterdir())
        assert sorted(f"_{name}.md" for name in meta["includes"]) == written
        assert meta["includes"] == [resource.stem for resource in version.resources]


def test_every_operation_appears_once_in_its_include() -> None:
    for version in api().versions:
        for resource in version.resources:
            text = (DOCS / "slate" / version.name / "includes" / f"_{resource.stem}.md").read_text(encoding="utf-8")
            headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
            expected = [md_cell(op.summary) for op in resource.operations]
            assert headings == expected + [md_cell(hook.summary) for hook in resource.webhooks]
            for hook in resource.webhooks:
                assert f"`capillary.{version.module}.{hook.function_name}(body)`" in text
            for op in resource.operations:
                call = f"`client.{version.module}.{resource.module}.{op.method_name}`"
                assert text.count(f"| Python | {call} |") == 1, call


def test_every_operation_has_one_section_and_one_navigation_entry_in_the_site() -> None:
    page = SITE.read_text(encoding="utf-8")
    for version in api().versions:
        for resource in version.resources:
            for op in resource.operations:
                anchor = f"{version.module}.{resource.module}.{op.method_name}"
                assert page.count(f'id="{anchor}"') == 1, anchor
                assert page.count(f'href="#{anchor}"') == 1, anchor
            for hook in resource.webhooks:
                anchor = f"{version.module}.{hook.function_name}"
                assert page.count(f'id="{anchor}"') == 1, anchor
                assert page.count(f'href="#{anchor}"') == 1, anchor


def test_the_basic_auth_example_is_computed() -> None:
    example = basic_example("store.server", "server123")
    assert example.digest == "8a16a6b70505eb1f1ff7cdc0cd5559a7"
    assert example.header == "Basic c3RvcmUuc2VydmVyOjhhMTZhNmI3MDUwNWViMWYxZmY3Y2RjMGNkNTU1OWE3"
    basic_parts = [
        v
        for v in api().versions
        if any(s.get("type") == "http" and s.get("scheme") == "basic" for s in v.security_schemes.values())
    ]
    assert len(basic_parts) >= 3
    for version in basic_parts:
        index = (DOCS / "slate" / version.name / "index.html.md").read_text(encoding="utf-8")
        assert f"`Authorization: {example.header}`" in index
        assert f"# Authorization: {example.header}" in index  # the shell sample


def test_every_error_class_the_docs_name_exists() -> None:
    from capillary import errors

    texts = [p.read_text(encoding="utf-8") for p in DOCS.rglob("*.md")]
    texts += [SITE.read_text(encoding="utf-8"), (DOCS.parent / "python" / "README.md").read_text(encoding="utf-8")]
    named = {name for text in texts for name in re.findall(r"\b([A-Z][A-Za-z0-9]*Error)\b", text)}
    assert named and {name for name in named if not hasattr(errors, name)} == set()


def test_spec_text_cannot_inject_html(tmp_path) -> None:
    """The golden specs carry `</script>`; with a live `<script>` added, both outputs show it as text."""
    project = golden_project(tmp_path, {"Adds a pet.": "Adds a pet. <script>alert(1)</script> `<b>code</b>`"})
    slate = (project.out_dir / "docs/slate/v2/includes/_pets.md").read_text(encoding="utf-8")
    assert "&lt;script>alert(1)&lt;/script>" in slate and "`<b>code</b>`" in slate
    assert "&lt;/script>" in slate  # from the tag description
    site = (project.out_dir / "docs/site/index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in site and "</script>." not in site
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in site
    assert "<code>&lt;b&gt;code&lt;/b&gt;</code>" in site
    assert site.count("<script") == 1  # app.js


def test_markdown_helpers() -> None:
    assert md_text("a <i>b</i> `<i>` c") == "a &lt;i>b&lt;/i> `<i>` c"
    assert md_text("```\n<x>\n```\n<y>") == "```\n<x>\n```\n&lt;y>"
    assert md_cell("one\ntwo | three") == "one two \\| three"
    html = markdown("**a** <script>x</script> [l](javascript:alert(1))")
    assert "<strong>a</strong>" in html and "&lt;script&gt;" in html and 'href="javascript' not in unescape(html)


def test_nested_fields_are_indented_and_a_self_reference_is_not_expanded_again() -> None:
    text = (GOLDEN_DOCS / "slate/v2/includes/_pets.md").read_text(encoding="utf-8")
    nested = "| &nbsp;&nbsp;&nbsp;&nbsp;`name` | string | No |"
    assert "| `owner` | object | No | Inline object. |\n" + nested in text
    assert re.search(r"\| `parent` \| object \| No \| [^\n]*\n\| `extra` \|", text)  # Pet.parent is a Pet
