"""Every Python sample of the docs (Slate pages, site, package README) runs against a mock API.

The mock answers each operation of the specs with its example response; a request that matches no
operation, or a sample that raises, fails the test.
"""

from __future__ import annotations

import contextlib
import io
import re
from html import unescape

import capillary
import httpx
import pytest
from docs_support import DOCS, PROJECT, SITE, api

README = PROJECT.out_dir / "python" / "README.md"
_FENCED = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)
_SITE_SAMPLE = re.compile(r'<figure class="sample" data-lang="python">\n<pre><code>(.*?)</code></pre>', re.DOTALL)


def python_samples() -> list[tuple[str, str]]:
    """(where, code) of every Python sample in the docs."""
    samples = []
    for path in sorted(DOCS.rglob("*.md")) + [README]:
        text = path.read_text(encoding="utf-8")
        samples += [(f"{path.relative_to(PROJECT.out_dir)}#{n}", code) for n, code in enumerate(_FENCED.findall(text))]
    page = SITE.read_text(encoding="utf-8")
    samples += [(f"docs/site/index.html#{n}", unescape(code)) for n, code in enumerate(_SITE_SAMPLE.findall(page))]
    return samples


SAMPLES = python_samples()
ROUTES = [
    (op.http_method, re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(op.path)) + "$"), op)
    for version in api().versions
    for op in version.operations
]


class MockAPI:
    def __init__(self) -> None:
        self.answered: list[str] = []
        self.unknown: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        for method, pattern, op in ROUTES:
            if request.method == method and pattern.match(request.url.path):
                self.answered.append(op.operation_id)
                status = int(op.response.status) if op.response.status.isdigit() else 200
                return httpx.Response(status, json=op.response.example, headers={"X-Cap-Requestid": "docs-sample"})
        self.unknown.append(f"{request.method} {request.url}")
        return httpx.Response(404, json={"errors": [{"code": 404, "message": "no such operation"}]})


@pytest.fixture
def mock_api(monkeypatch: pytest.MonkeyPatch) -> MockAPI:
    """Every `Capillary` / `AsyncCapillary` a sample creates talks to the mock."""
    mock = MockAPI()

    class Capillary(capillary.Capillary):
        def __init__(self, **settings):
            super().__init__(http_client=httpx.Client(transport=httpx.MockTransport(mock)), **settings)

    class AsyncCapillary(capillary.AsyncCapillary):
        def __init__(self, **settings):
            super().__init__(http_client=httpx.AsyncClient(transport=httpx.MockTransport(mock)), **settings)

    monkeypatch.setattr(capillary, "Capillary", Capillary)
    monkeypatch.setattr(capillary, "AsyncCapillary", AsyncCapillary)
    return mock


def test_the_docs_have_python_samples_for_every_operation() -> None:
    calls = {
        f"client.{v.module}.{r.module}.{op.method_name}("
        for v in api().versions
        for r in v.resources
        for op in r.operations
    }
    for where in ("docs/slate", "docs/site", "python/README.md"):
        found = "".join(code for name, code in SAMPLES if name.startswith(where))
        assert found, where
        if where != "python/README.md":
            assert {call for call in calls if call not in found} == set(), where


@pytest.mark.parametrize(("where", "code"), SAMPLES, ids=[where for where, _ in SAMPLES])
def test_python_sample_runs(where: str, code: str, mock_api: MockAPI) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, where, "exec"), {"__name__": "__docs_sample__"})
    assert mock_api.unknown == []
    if re.search(r"client\.\w+\.\w+\.\w+\(", code):
        assert mock_api.answered, "the sample calls the API but sent nothing"
