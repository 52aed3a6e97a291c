"""Property test: random valid spec projects (random names, keywords and unicode included, random
types, enums, nested objects, arrays, optional and required fields, path/query/header parameters,
request bodies) generate a package whose modules compile and import, and whose every operation,
called against httpx.MockTransport answering the spec's example, returns the declared model that
dumps back to the example.

Derandomized and without an example database, so every run (and CI) sees the same specs."""

from __future__ import annotations

import importlib
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import naming
from generator.pipeline import Project, generate
from generator.project import TEMPLATES_DIR

from spec_project import SECURITY

# Names people give things, and names that trip code generators.
AWKWARD = ["class", "from", "import", "type", "list", "id", "self", "client", "body", "None", "True", "json", "2fa",
           "café", "名前", "Favorite Color", "x-dash", "userId", "request_options", "model_config", "_x"]  # fmt: skip
WORD = st.from_regex(r"[a-z][a-zA-Z0-9]{0,7}", fullmatch=True)
NAME = st.sampled_from(AWKWARD) | WORD
# Path parameters sit in a URL template: letters and digits only (keywords still welcome).
PATH_NAME = st.sampled_from(["from", "id", "type", "class", "self"]) | WORD
STEM = (st.sampled_from(["list", "type", "id", "items"]) | WORD).filter(
    lambda s: naming.module_name(s) == s and s != "models"
)
ENUM_VALUE = st.sampled_from(["class", "2fa", "a b", "", "NONE", "none", "café", "</script>", '"""']) | WORD

_CACHE = tempfile.TemporaryDirectory(prefix="capgen-hypothesis-cache-")  # the runtime modules format once


@st.composite
def schemas(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    kinds = ["string", "integer", "number", "boolean", "enum", "nullable"]
    if depth < 2:
        kinds += ["object", "object", "array"]
    kind = draw(st.sampled_from(kinds))
    if kind == "enum":
        return {"type": "string", "enum": draw(st.lists(ENUM_VALUE, min_size=1, max_size=4, unique=True))}
    if kind == "nullable":
        return {"type": [draw(st.sampled_from(["string", "integer"])), "null"]}
    if kind == "array":
        return {"type": "array", "items": draw(schemas(depth + 1))}
    if kind == "object":
        return draw(objects(depth + 1))
    return {"type": kind}


@st.composite
def objects(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    names = draw(st.lists(NAME, min_size=1, max_size=4, unique_by=naming.attribute_name))
    properties = {name: {**draw(schemas(depth)), "description": f"The {name}."} for name in names}
    required = [name for name in names if draw(st.booleans())]
    return {"type": "object", "properties": properties, **({"required": required} if required else {})}


def example(schema: dict[str, Any]) -> Any:
    """A value of the schema (every property filled in)."""
    if "enum" in schema:
        return schema["enum"][-1]
    kind = schema["type"][0] if isinstance(schema["type"], list) else schema["type"]
    if kind == "object":
        return {name: example(prop) for name, prop in schema["properties"].items()}
    if kind == "array":
        return [example(schema["items"])]
    return {"string": "text", "integer": 7, "number": 2.5, "boolean": True}[kind]


@st.composite
def operations(draw: st.DrawFn, stem: str, index: int, op_id: str) -> tuple[str, dict[str, Any]]:
    path_names = draw(st.lists(PATH_NAME, max_size=2, unique_by=lambda n: n.lower()))
    query_names = draw(st.lists(NAME, max_size=3))
    header_names = draw(st.lists(WORD.map(lambda w: f"X-{w}"), max_size=1))
    parameters, seen = [], set()
    for location, names in (("path", path_names), ("query", query_names), ("header", header_names)):
        for name in names:
            if naming.argument_name(name) in seen:
                continue  # two names for one Python argument: a spec error, not a random valid spec
            seen.add(naming.argument_name(name))
            if location == "query":
                schema = draw(st.sampled_from([{"type": "string"}, {"type": "integer"}, {"type": "boolean"}]))
                schema = draw(st.sampled_from([schema, {"type": "array", "items": schema}]))
            else:
                schema = (
                    {"type": "string"}
                    if location == "header"
                    else {"type": draw(st.sampled_from(["string", "integer"]))}
                )
            parameters.append(
                {"name": name, "in": location, "required": location == "path" or draw(st.booleans()),
                 "description": f"The {name}.", "schema": schema, "example": example(schema)}
            )  # fmt: skip
    path = f"/v2/{stem}/op{index}" + "".join(f"/{{{name}}}" for name in path_names)
    response = draw(objects())
    method = draw(st.sampled_from(["get", "post", "put", "delete"] if not draw(st.booleans()) else ["post"]))
    operation: dict[str, Any] = {
        "operationId": op_id,
        "summary": f"Operation {op_id}",
        "description": draw(st.sampled_from(["Plain.", 'Quotes """ and \\ and {{ x }} </script>'])),
        "tags": [stem],
        "externalDocs": {"url": f"https://docs.example.com/#{stem}-{index}"},
        "parameters": parameters,
        "responses": {
            "200": {
                "description": "The answer.",
                "content": {"application/json": {"schema": response, "example": example(response)}},
            }
        },
    }
    if method in ("post", "put") and draw(st.booleans()):
        body = draw(objects())
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body, "example": example(body)}},
        }
    return path, {method: operation}


@st.composite
def projects(draw: st.DrawFn) -> dict[str, Any]:
    """Spec files (relative path -> document) of a random valid project."""
    stems = draw(st.lists(STEM, min_size=1, max_size=2, unique=True))
    files: dict[str, Any] = {}
    for stem in stems:
        op_ids = draw(st.lists(NAME, min_size=1, max_size=3, unique_by=lambda n, s=stem: naming.method_name(n, s)))
        paths = dict(draw(operations(stem, index, op_id)) for index, op_id in enumerate(op_ids))
        files[f"v2/{stem}.yaml"] = {
            "openapi": "3.1.0",
            "info": {"title": stem, "version": "2"},
            "security": [{"basicAuth": []}],
            "paths": paths,
            "components": ROOT["components"],
        }
    # Operation ids are unique per version, not only per file.
    all_ids = [op["operationId"] for doc in files.values() for item in doc["paths"].values() for op in item.values()]
    for doc in files.values():
        for item in doc["paths"].values():
            for op in item.values():
                if all_ids.count(op["operationId"]) > 1:
                    op["operationId"] += f"In{doc['info']['title'].capitalize()}"
    return files


ROOT = {
    "openapi": "3.1.0",
    "info": {"title": "Random API", "version": "2", "description": "Random."},
    "servers": [{"url": "https://eu.example.com", "description": "EU.", "x-capillary-cluster": "eu"}],
    "security": [{"basicAuth": []}],
    "paths": {},
    "components": {
        "securitySchemes": {"basicAuth": {"$ref": "../common/security.yaml#/components/securitySchemes/basicAuth"}}
    },
}


@contextmanager
def package_from(folder: Path) -> Iterator[Any]:
    """Import `capillary` from `folder`, hiding (and then restoring) any other copy already imported."""
    ours = [name for name in sys.modules if name == "capillary" or name.startswith("capillary.")]
    saved = {name: sys.modules.pop(name) for name in ours}
    sys.path.insert(0, str(folder))
    importlib.invalidate_caches()
    try:
        yield importlib.import_module("capillary")
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == "capillary" or n.startswith("capillary.")]:
            del sys.modules[name]
        sys.modules.update(saved)


def write_project(root: Path, files: dict[str, Any]) -> Project:
    specs = root / "specs"
    for relative, doc in {"v2/api.yaml": ROOT, **files}.items():
        (specs / relative).parent.mkdir(parents=True, exist_ok=True)
        (specs / relative).write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (specs / "common").mkdir(exist_ok=True)
    (specs / "common/security.yaml").write_text(SECURITY, encoding="utf-8")
    return Project(root, specs, root / "generated", TEMPLATES_DIR, Path(_CACHE.name))


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(projects())
def test_random_valid_specs_generate_a_working_client(files: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory(prefix="capgen-random-") as folder:
        project = write_project(Path(folder), files)
        generate(project)  # a SpecErrors here is a valid spec refused: the test fails with its message
        modules = sorted((project.out_dir / "python").rglob("*.py"))
        for module in modules:
            compile(module.read_text(encoding="utf-8"), str(module), "exec")
        with package_from(project.out_dir / "python") as capillary:
            for stem, doc in files.items():
                resource = naming.module_name(Path(stem).stem)
                for path, item in doc["paths"].items():
                    for method, op in item.items():
                        call(capillary, resource, path, method, op)


def call(capillary: Any, resource: str, path: str, method: str, op: dict[str, Any]) -> None:
    """One operation through the generated client: one request of the right method and path,
    the example answer parsed into a model that dumps back to the example."""
    media = op["responses"]["200"]["content"]["application/json"]
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=media["example"], headers={"X-Cap-Requestid": "random-1"})

    kwargs = {naming.argument_name(p["name"]): p["example"] for p in op["parameters"]}
    if "requestBody" in op:
        kwargs["body"] = op["requestBody"]["content"]["application/json"]["example"]
    http = httpx.Client(transport=httpx.MockTransport(answer))
    with capillary.Capillary(base_url="https://eu.example.com", till="t", password="p", http_client=http) as client:
        name = naming.method_name(op["operationId"], resource)
        result = getattr(getattr(client.v2, resource), name)(**kwargs)
    assert len(sent) == 1 and sent[0].method == method.upper()
    expected_path = path
    for p in op["parameters"]:
        if p["in"] == "path":
            expected_path = expected_path.replace("{" + p["name"] + "}", str(p["example"]))
    assert sent[0].url.path == expected_path
    assert result.request_id == "random-1"
    assert result.model_dump(mode="json", by_alias=True, exclude_unset=True) == media["example"]
