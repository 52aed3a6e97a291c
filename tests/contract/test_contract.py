"""Contract tests: every operation in specs/ through the generated client, checked against the spec.

For each operation the generated method must exist; the request it sends (method, path, query,
headers, body) must validate against the bundled spec with openapi-core, an independent
implementation of the OpenAPI rules; the spec's example response must parse into the declared model,
and dump back to JSON that validates against the response schema. Sync and async.
"""

from __future__ import annotations

import asyncio
import json
from functools import cache
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.datastructures import Headers, ImmutableMultiDict

from contract_cases import REQUEST_ID, Case, api, arguments, bundle, cases, check_result_type, hosts, resource_of


@cache
def openapi(version: str) -> OpenAPI:
    return OpenAPI.from_dict(bundle(version))


class OpenAPIRequest:
    """An httpx request seen through openapi-core's Request protocol."""

    def __init__(self, request: httpx.Request) -> None:
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(request.url.params.multi_items())),
            header=Headers(list(request.headers.multi_items())),
            cookie=ImmutableMultiDict(),
        )
        self.host_url = f"{request.url.scheme}://{request.url.netloc.decode()}"
        # As sent (percent-encoded): a decoded `a%2Fb` parameter would look like two path segments.
        self.path = request.url.raw_path.decode("ascii").split("?", 1)[0]
        self.method = request.method.lower()
        self.body = request.content or None
        self.content_type = request.headers.get("content-type", "")


def responder(case: Case, sent: list[httpx.Request]):
    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(
            int(case.operation.response.status),
            json=case.operation.response.example,
            headers={"X-Cap-Requestid": REQUEST_ID},
        )

    return handle


def client_kwargs(case: Case) -> dict[str, Any]:
    return {
        **hosts(case, case.version.servers[0].url),
        "till": "contract.till",
        "password": "contract-pass",
        "access_token": "contract-oauth-token",
    }


def check_exchange(case: Case, sent: list[httpx.Request], result: Any) -> None:
    assert len(sent) == 1, "exactly one request is sent"
    request = sent[0]
    assert request.method == case.operation.http_method
    openapi(case.version.name).validate_request(OpenAPIRequest(request))
    assert getattr(result, "request_id", None) == REQUEST_ID
    check_response_model(case, result)


def check_response_model(case: Case, result: Any) -> None:
    models = check_result_type(case, result)
    dumped = [json.loads(m.model_dump_json(by_alias=True, exclude_unset=True, warnings=False)) for m in models]
    if case.operation.response.type.kind != "list":
        dumped = dumped[0]
    schema = response_schema(case)
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in schema.iter_errors(dumped)]
    assert not problems, f"dumped response does not match its schema: {problems}"
    assert dumped == json.loads(json.dumps(case.operation.response.example)) or not _lossless(case)


def _lossless(case: Case) -> bool:
    """Round-trip equality holds unless the example has dates that pydantic re-formats."""
    text = json.dumps(case.operation.response.example)
    return "T" not in text or ":" not in text


@cache
def _registry(version: str) -> Registry:
    resource = Resource.from_contents(bundle(version), default_specification=DRAFT202012)
    return Registry().with_resource("urn:bundle", resource)


def _pointer(*tokens: str) -> str:
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)


def response_schema(case: Case) -> Draft202012Validator:
    """Validator for the success response schema, resolving refs inside the bundle."""
    op = case.operation
    responses = bundle(case.version.name)["paths"][op.path][op.http_method.lower()]["responses"]
    pointer = _pointer("paths", op.path, op.http_method.lower(), "responses", op.response.status)
    if "$ref" in responses[op.response.status]:
        pointer = responses[op.response.status]["$ref"].lstrip("#")
    schema_ref = "urn:bundle#" + pointer + _pointer("content", "application/json", "schema")
    return Draft202012Validator({"$ref": schema_ref}, registry=_registry(case.version.name))


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.id)
def test_operation_sync(case: Case) -> None:
    from capillary import Capillary

    sent: list[httpx.Request] = []
    http = httpx.Client(transport=httpx.MockTransport(responder(case, sent)))
    with Capillary(**client_kwargs(case), http_client=http) as client:
        method = getattr(resource_of(client, case), case.operation.method_name)
        result = method(**arguments(case))
    check_exchange(case, sent, result)


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.id)
def test_operation_async(case: Case) -> None:
    from capillary import AsyncCapillary

    async def call() -> Any:
        sent: list[httpx.Request] = []
        http = httpx.AsyncClient(transport=httpx.MockTransport(responder(case, sent)))
        async with AsyncCapillary(**client_kwargs(case), http_client=http) as client:
            method = getattr(resource_of(client, case), case.operation.method_name)
            result = await method(**arguments(case))
        check_exchange(case, sent, result)

    asyncio.run(call())


def test_every_operation_of_the_specs_is_covered() -> None:
    """The bundles and the IR agree on the operation list, so no operation escapes the contract."""
    bundled = {
        (version.name, op["operationId"])
        for version in api().versions
        for item in bundle(version.name)["paths"].values()
        for method, op in item.items()
        if method in ("get", "put", "post", "delete", "patch")
    }
    assert bundled == {(c.version.name, c.operation.operation_id) for c in cases()}
    assert len(bundled) >= 16


@pytest.mark.parametrize("case", [c for c in cases() if c.operation.pagination], ids=lambda c: c.id)
def test_paged_operation_iterates_over_its_items(case: Case) -> None:
    """`iter_<method>` yields the items of the example page as models of the documented item type
    (the mock answers every page with the example, so the walk stops on the repeat)."""
    from capillary import Capillary

    paging = case.operation.pagination
    sent: list[httpx.Request] = []
    http = httpx.Client(transport=httpx.MockTransport(responder(case, sent)))
    with Capillary(**client_kwargs(case), http_client=http) as client:
        method = getattr(resource_of(client, case), f"iter_{case.operation.method_name}")
        items = list(method(**arguments(case)))
    assert items, "the example page has items"
    assert {type(item).__name__ for item in items} == {paging.item_type.name}
    for request in sent:
        openapi(case.version.name).validate_request(OpenAPIRequest(request))


WEBHOOKS = [(v, hook) for v in api().versions for hook in v.webhooks]


@pytest.mark.parametrize(("version", "hook"), WEBHOOKS, ids=lambda x: getattr(x, "name", ""))
def test_webhook_parser_reads_the_example_and_refuses_a_broken_payload(version: Any, hook: Any) -> None:
    """The generated parser turns the documented example into the payload model, whose dump validates
    against the bundled payload schema; a payload without its required fields is refused."""
    import importlib

    from capillary import errors

    parse = getattr(importlib.import_module(f"capillary.{version.module}"), hook.function_name)
    model = parse(json.dumps(hook.payload.example).encode())
    assert type(model).__name__ == hook.payload.type.name
    dumped = json.loads(model.model_dump_json(by_alias=True, exclude_unset=True))
    assert dumped == hook.payload.example
    pointer = _pointer("webhooks", hook.name, hook.http_method.lower(), "requestBody", "content", "application/json")
    schema = Draft202012Validator({"$ref": "urn:bundle#" + pointer + "/schema"}, registry=_registry(version.name))
    assert not list(schema.iter_errors(dumped))
    payload_model = next(m for m in version.models if m.name == hook.payload.type.name)
    broken = [b"[]"] + ([b"{}"] if any(f.required for f in payload_model.fields) else [])
    for body in broken:
        with pytest.raises(errors.WebhookPayloadError):
            parse(body)
