"""Legal but nasty specs (tests/data/nasty-specs): Python keywords and builtins as names, names
starting with a digit, unicode, spaces and dashes, and texts full of docstring, template, HTML and
Markdown breakers. The project generates; its package compiles, imports and passes the contract
suite (tests/contract/test_contract.py, pointed at it with CAPGEN_ROOT); the docs escape the text."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.pipeline import Project, generate

REPO = Path(__file__).resolve().parents[2]
NASTY = REPO / "tests" / "data" / "nasty-specs"
OP_DESCRIPTION = 'Docstring breakers: """ and \'\'\' and \\ and \\n and a final quote".'


@pytest.fixture(scope="module")
def nasty(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("nasty")
    shutil.copytree(NASTY / "specs", root / "specs")
    project = Project.at(root)
    generate(project)
    return project


def run_python(project: Project, code: str) -> subprocess.CompletedProcess:
    """Python in a fresh process that sees only the nasty project's package (not the repository's)."""
    env = {**os.environ, "PYTHONPATH": str(project.out_dir / "python")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)


def test_every_generated_module_compiles(nasty: Project) -> None:
    modules = sorted((nasty.out_dir / "python").rglob("*.py"))
    assert len(modules) >= 10
    for module in modules:
        compile(module.read_text(encoding="utf-8"), str(module), "exec")


def test_the_package_imports_with_safe_python_names_and_literal_docstrings(nasty: Project) -> None:
    probe = """
import inspect, json
from capillary import Capillary
from capillary.v2 import list as resource, models
methods = sorted(n for n in dir(resource.List) if not n.startswith("_"))
print(json.dumps({
    "methods": methods,
    "arguments": list(inspect.signature(resource.List.class_).parameters),
    "fields": list(models.Class.model_fields),
    "aliases": [f.alias for f in models.Class.model_fields.values()],
    "members": [m.name for m in models.Type],
    "classes": sorted(n for n in dir(models) if n[:1].isupper()),
    "doc": resource.List.class_.__doc__,
    "client": [n for n in ("list",) if hasattr(Capillary(base_url="https://x.test", till="t", password="p").v2, n)],
}))
"""
    completed = run_python(nasty, probe)
    assert completed.returncode == 0, completed.stderr
    found = json.loads(completed.stdout)
    assert found["methods"] == ["cafe", "class_", "import_", "op_2fa"]
    assert found["arguments"] == [
        "self", "from_", "param_2fa", "type", "id", "self_", "client", "list_", "body_", "request_options_",
        "cafe", "名前", "favorite_color", "x_trace_id", "request_options",
    ]  # fmt: skip
    assert found["fields"] == [
        "class_", "from_", "import_", "type", "id", "self", "field_2fa", "cafe", "名前", "favorite_color",
        "model_config_", "json_", "private",
    ]  # fmt: skip
    assert "Favorite Color" in found["aliases"] and "2fa" in found["aliases"] and "_private" in found["aliases"]
    assert found["members"] == [
        "CLASS",
        "VALUE_2FA",
        "A_B",
        "CAFE",
        "名前",
        "NONE",
        "none",
        "EMPTY",
        "VALUE_22_22_22",
        "SCRIPT",
    ]
    assert {"Class", "ExceptionModel", "List", "Type"} <= set(found["classes"])
    assert found["client"] == ["list"]
    # The docstring holds the spec's words exactly, quotes and backslashes included, nothing evaluated.
    assert OP_DESCRIPTION in found["doc"]
    assert "{{ 7 * 7 }}, {% if true %}JINJA-EVALUATED{% endif %}, ${x}" in found["doc"]


def test_the_contract_suite_passes_on_the_nasty_project(nasty: Project) -> None:
    """Every operation, sync and async, through httpx.MockTransport: requests validate against the
    bundled spec with openapi-core, example responses parse and round-trip."""
    completed = subprocess.run(
        [
            sys.executable, "-m", "pytest", "tests/contract/test_contract.py", "-q", "-p", "no:cacheprovider",
            # Counts the repository's operations (>= 16); the nasty project has 4.
            "--deselect", "tests/contract/test_contract.py::test_every_operation_of_the_specs_is_covered",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "CAPGEN_ROOT": str(nasty.root)},
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert re.search(r"\b8 passed\b", completed.stdout), completed.stdout[-500:]


def outside_code(markdown: str) -> str:
    """Slate Markdown without fenced blocks and code spans (which Slate shows as text)."""
    return re.sub(r"`[^`\n]*`", "", re.sub(r"^```.*?^```", "", markdown, flags=re.DOTALL | re.MULTILINE))


def test_the_docs_escape_the_text_and_print_template_delimiters_literally(nasty: Project) -> None:
    html = (nasty.out_dir / "docs/site/index.html").read_text(encoding="utf-8")
    slate = "\n".join(p.read_text(encoding="utf-8") for p in sorted((nasty.out_dir / "docs/slate").rglob("*.md")))
    # No markup from the specs reaches the page: only the page's own script tags close.
    assert html.count("</script>") == len(re.findall(r"<script\b", html)) == 1
    for raw in ('<b id="pwn', "<img src=x onerror", 'href="javascript:', "<script>alert"):
        assert raw not in html and raw not in outside_code(slate), raw
    assert "&lt;/script&gt;&lt;b id=&quot;pwn-op&quot;&gt;x&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=&quot;pwn()&quot;&gt;" in html
    assert '&lt;/script>&lt;b id="pwn-op">x&lt;/b>' in slate
    # Template delimiters are text: printed as written, never evaluated.
    for text in (html, slate):
        assert "{{ 7 * 7 }}, {% if true %}JINJA-EVALUATED{% endif %}, ${x}, #{x}." in text
        assert text.count("JINJA-EVALUATED") == text.count("{% if true %}JINJA-EVALUATED{% endif %}")
    assert "{{ 7 * 7 }} {% raw %}{% endraw %} ${HOME}" in html  # the version intro
