"""`import capillary` stays cheap: no pydantic model is defined and no pydantic machinery is loaded
until the first use (a call, a resource, or a model-related name). A fresh interpreter each time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import capillary

PACKAGE_ROOT = str(Path(capillary.__file__).resolve().parent.parent)

# pydantic's model machinery, its plugin loader, and the runtime modules that define models.
DEFERRED = ("pydantic.main", "pydantic._internal._model_construction", "importlib.metadata", "capillary._model")


def fresh(code: str) -> dict:
    """Run `code` in a new interpreter with this `capillary` importable; it prints a JSON result."""
    env = {**os.environ, "PYTHONPATH": PACKAGE_ROOT}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_import_loads_no_model_machinery() -> None:
    loaded = fresh("import json, sys; import capillary; print(json.dumps(sorted(sys.modules)))")
    assert [name for name in DEFERRED if name in loaded] == []
    # Nothing of pydantic beyond what `import pydantic` loads by itself.
    own = fresh("import json, sys; import pydantic; print(json.dumps(sorted(sys.modules)))")
    assert sorted(name for name in loaded if name.startswith("pydantic") and name not in own) == []


def test_first_call_loads_the_models() -> None:
    result = fresh("""
import json, sys
import httpx
import capillary
from capillary._operation import Operation

before = [name for name in ("pydantic.main", "capillary._model") if name in sys.modules]
answer = httpx.MockTransport(lambda request: httpx.Response(200, json={"id": 7}))
client = capillary.SyncClient(base_url="https://x.example", till="t", password="p",
                              http_client=httpx.Client(transport=answer))
op = Operation(operation_id="getThing", method="GET", path="/thing", api="v2", response=dict[str, int])
body = client.request(op)
after = [name for name in ("pydantic.main", "capillary._model") if name in sys.modules]
print(json.dumps({"before": before, "after": after, "body": body}))
""")
    assert result == {"before": [], "after": ["pydantic.main", "capillary._model"], "body": {"id": 7}}


def test_public_names_resolve_lazily() -> None:
    result = fresh("""
import json, sys
import capillary
names = {"CapillaryModel": capillary.CapillaryModel.__name__, "ResponseMeta": capillary.ResponseMeta.__name__,
         "File": capillary.File.__name__}
from capillary import *  # every name of __all__
missing = [name for name in capillary.__all__ if name not in dir(capillary)]
try:
    capillary.NoSuchName
    unknown = "resolved"
except AttributeError as exc:
    unknown = str(exc)
print(json.dumps({"names": names, "missing": missing, "unknown": unknown,
                  "model_base": issubclass(capillary.CapillaryModel, __import__("pydantic").BaseModel)}))
""")
    assert result == {
        "names": {"CapillaryModel": "CapillaryModel", "ResponseMeta": "ResponseMeta", "File": "File"},
        "missing": [],
        "unknown": "module 'capillary' has no attribute 'NoSuchName'",
        "model_base": True,
    }


def test_errors_import_without_pydantic() -> None:
    loaded = fresh(
        "import json, sys; from capillary.errors import APIStatusError, InvalidRequestError;"
        " print(json.dumps(sorted(sys.modules)))"
    )
    assert "pydantic" not in loaded and "capillary._model" not in loaded
