"""Make the `capillary` package importable for the runtime tests.

Uses the generated package (`generated/python/capillary`) when it exists and its copies of the
runtime files are identical to `templates/python/runtime/`. Otherwise (no generated package, a stale
one, or `CAPGEN_TEST_RUNTIME_TEMPLATES=1`) a throwaway package is assembled in a temporary folder:
a copy of the generated package (or, without one, a minimal `_clusters.py`, `_version.py` and `__init__.py`) with
the runtime files taken from the templates, so these tests always exercise the current runtime.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated" / "python"
RUNTIME = ROOT / "templates" / "python" / "runtime"

_CLUSTERS = """\
CLUSTERS: dict[str, str] = {
    "eu": "https://eu.api.capillarytech.com",
    "india": "https://apac.api.capillarytech.com",
    "us": "https://us.api.capillarytech.com",
}
SERVICE_CLUSTERS: dict[str, dict[str, str]] = {}
"""

# Like the generated `__init__`, it leaves the pydantic side to load on first use.
_INIT = """\
from importlib import import_module

from . import errors
from ._client import AsyncClient, RequestOptions, SyncClient

__all__ = ["AsyncClient", "CapillaryModel", "File", "RequestOptions", "ResponseMeta", "SyncClient", "errors"]
_LAZY = {"CapillaryModel": "._model", "File": "._files", "ResponseMeta": "._model"}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = getattr(import_module(_LAZY[name], __name__), name)
    return value


def __dir__():
    return sorted({*globals(), *_LAZY})
"""


def _generated_is_current() -> bool:
    package = GENERATED / "capillary"
    if not (package / "__init__.py").is_file():
        return False
    return all(
        (package / source.name).is_file() and (package / source.name).read_bytes() == source.read_bytes()
        for source in RUNTIME.glob("*.py")
    )


def _package_root() -> Path:
    use_templates = os.environ.get("CAPGEN_TEST_RUNTIME_TEMPLATES") == "1"
    if not use_templates and _generated_is_current():
        return GENERATED
    root = Path(tempfile.mkdtemp(prefix="capillary-runtime-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    package = root / "capillary"
    if (GENERATED / "capillary" / "__init__.py").is_file():
        # Keep the generated API surface (other test directories import `Capillary` from it)
        # and put the current runtime under it.
        shutil.copytree(GENERATED / "capillary", package, ignore=shutil.ignore_patterns("__pycache__"))
    else:
        package.mkdir()
        (package / "_clusters.py").write_text(_CLUSTERS, encoding="utf-8")
        (package / "_version.py").write_text('VERSION = "0.0.0"\n', encoding="utf-8")
        (package / "__init__.py").write_text(_INIT, encoding="utf-8")
    for source in RUNTIME.glob("*.py"):
        shutil.copyfile(source, package / source.name)
    return root


_root = str(_package_root())
if _root in sys.path:
    sys.path.remove(_root)
sys.path.insert(0, _root)

import pytest  # noqa: E402

from capillary_testkit import MockAPI  # noqa: E402
from live_server import LiveServer  # noqa: E402


@pytest.fixture
def api() -> MockAPI:
    return MockAPI()


@pytest.fixture(scope="session")
def _live_server() -> Iterator[LiveServer]:
    server = LiveServer()
    yield server
    server.close()


@pytest.fixture
def server(_live_server: LiveServer) -> LiveServer:
    """A real HTTP server on 127.0.0.1 (see live_server.py), reset for each test."""
    _live_server.reset()
    return _live_server


@pytest.fixture(autouse=True)
def _no_capillary_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings in the developer's environment must not leak into the tests."""
    for name in list(os.environ):
        if name.startswith("CAPILLARY_"):
            monkeypatch.delenv(name)
