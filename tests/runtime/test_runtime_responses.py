"""Response parsing: lenient models, metadata, invalid bodies, v1.1 envelopes; strict request models."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import httpx
import pydantic
import pytest
from capillary import _codec, _envelope, _model, errors
from capillary._envelope import read_v11_envelope
from capillary._model import RESPONSE_CONTEXT, CapillaryModel
from capillary._operation import Operation

from capillary_testkit import (
    LOOKUP,
    LOOKUP_ARGS,
    V11_ADD,
    V11_GET,
    Customer,
    CustomerCreate,
    LookupResponse,
    MockAPI,
    Source,
    async_client,
    json_response,
    sync_client,
)


def test_success_carries_request_id_and_metadata(api: MockAPI) -> None:
    api.answer(json_response(200, {"entity": {"firstName": "Tom", "userId": 42}}, request_id="5670FF17B7D58"))
    result = sync_client(api).request(LOOKUP, LOOKUP_ARGS)
    assert isinstance(result, LookupResponse)
    assert result.request_id == "5670FF17B7D58"
    meta = result.response_meta
    assert (meta.status_code, meta.operation_id, meta.attempts, meta.envelope) == (
        200,
        "lookupCustomer",
        1,
        None,
    )
    assert meta.headers["content-type"] == "application/json"
    assert result.entity.request_id is None  # metadata sits on the top-level result only


def test_lenient_response_keeps_unknown_fields_and_enum_values(api: MockAPI) -> None:
    body = {
        "entity": {
            "firstName": "Tom",
            "source": "MARS_STORE",
            "userId": "42",
            "loyaltyTier": "gold",
        },
        "newTopLevel": [1],
    }
    api.answer(json_response(200, body))
    result = sync_client(api).request(LOOKUP, LOOKUP_ARGS)
    assert result.entity.source == "MARS_STORE"
    assert type(result.entity.source) is str
    assert result.entity.user_id == 42
    assert result.entity.model_extra == {"loyaltyTier": "gold"}
    assert result.model_extra == {"newTopLevel": [1]}
    assert result.entity.model_dump(by_alias=True, exclude_unset=True) == {
        "firstName": "Tom",
        "source": "MARS_STORE",
        "userId": 42,
        "loyaltyTier": "gold",
    }


def test_known_enum_values_become_members(api: MockAPI) -> None:
    api.answer(json_response(200, {"entity": {"source": "INSTORE"}}))
    assert sync_client(api).request(LOOKUP, LOOKUP_ARGS).entity.source is Source.INSTORE


def test_strict_models_built_by_hand() -> None:
    with pytest.raises(pydantic.ValidationError, match="one of 'INSTORE', 'ECOMMERCE'"):
        CustomerCreate(first_name="Tom", source="MARS")
    with pytest.raises(
        pydantic.ValidationError,
        match="Unknown field for CustomerCreate: 'firstname' \\(did you mean 'firstName' \\(first_name\\)\\?\\)",
    ):
        CustomerCreate.model_validate({"firstname": "Tom", "source": "INSTORE"})
    with pytest.raises(pydantic.ValidationError, match="Unknown fields for Customer: 'a', 'b'"):
        Customer(a=1, b=2)
    built = CustomerCreate(firstName="Tom", source="INSTORE")  # alias or attribute name
    assert built.source is Source.INSTORE
    assert built.request_id is None and built.response_meta is None


def test_responses_skip_the_unknown_key_check_models_keep(api: MockAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """The client parses responses with a validator built without the strict-mode unknown-key check
    (it only finds the context lenient, once per model instance); the models themselves keep it."""
    checks: list[object] = []
    is_lenient = _model.is_lenient
    monkeypatch.setattr(_model, "is_lenient", lambda info: checks.append(info) or is_lenient(info))
    api.answer(json_response(200, {"entity": {"firstName": "Tom", "source": "INSTORE", "zzz": 1}, "top": 2}))
    result = sync_client(api).request(LOOKUP, LOOKUP_ARGS)
    assert (result.model_extra, result.entity.model_extra) == ({"top": 2}, {"zzz": 1})
    assert type(result) is LookupResponse and type(result.entity) is Customer
    assert checks == []
    assert LookupResponse.__dict__["__pydantic_complete__"] and Customer.__dict__["__pydantic_complete__"]
    with pytest.raises(pydantic.ValidationError, match="Unknown field for Customer: 'zzz'"):
        LookupResponse.model_validate({"entity": {"zzz": 1}})
    assert len(checks) == 2


def test_lenient_context_for_users_parsing_payloads_themselves() -> None:
    parsed = Customer.model_validate({"source": "NEW", "extra": 1}, context=RESPONSE_CONTEXT)
    assert parsed.source == "NEW" and parsed.model_extra == {"extra": 1}
    nested = LookupResponse.model_validate_json(b'{"entity": {"zzz": true}}', context=RESPONSE_CONTEXT)
    assert nested.entity.model_extra == {"zzz": True}
    with pytest.raises(pydantic.ValidationError):
        LookupResponse.model_validate({"entity": {"zzz": True}})


@pytest.mark.parametrize(
    "content",
    [
        b'{"a": [1, -0, -0.0, 0.1, 1E2, 5e-324, 1e400, 123456789012345678901234567890], "a": "last"}',
        b'{"a": NaN, "b": -Infinity, "c": "\\u00e9\\/\\ud83d\\ude00", "\\u0061": null}',
        '\t{"name": "\u00e9"}\r\n'.encode(),
        b'{"a": "\\ud800"}',  # a lone surrogate, as an escape
        b'{"a": "\xed\xa0\x80"}',  # and as bytes
        b'\xef\xbb\xbf{"a": 1}',  # a UTF-8 BOM
        '{"a": 1}'.encode("utf-16"),
        b'{"a": ' + b"1" * 5000 + b"}",
        b'{"a": 1,}',
        b'{"a": 1} x',
        b'{"a": "x\x01y"}',
        b'{"a": "\xff"}',
        b"{'a': 1}",
        b'{"a": 01}',
        b'\x0c{"a": 1}',
    ],
)
def test_json_bodies_decode_as_json_loads_decodes_them(content: bytes) -> None:
    def outcome(decode: Any) -> object:
        try:
            return repr(decode(content))
        except ValueError:
            return ValueError

    assert outcome(_codec.decode_json) == outcome(json.loads)


def test_non_json_success_body(api: MockAPI) -> None:
    api.answer(
        httpx.Response(
            200,
            content=b"<html>maintenance</html>",
            headers={"Content-Type": "text/html", "X-Cap-Requestid": "rid-html"},
        )
    )
    with pytest.raises(errors.APIResponseValidationError) as caught:
        sync_client(api).request(LOOKUP, LOOKUP_ARGS)
    assert caught.value.request_id == "rid-html"
    assert caught.value.status_code == 200
    assert "not valid JSON" in str(caught.value) and "text/html" in str(caught.value)


def test_body_not_matching_the_model(api: MockAPI) -> None:
    api.answer(json_response(200, {"entity": {"userId": "not-a-number"}}, request_id="rid-bad"))
    with pytest.raises(errors.APIResponseValidationError) as caught:
        sync_client(api).request(LOOKUP, LOOKUP_ARGS)
    assert caught.value.request_id == "rid-bad"
    assert caught.value.errors[0]["loc"] == ("entity", "userId")
    assert "entity.userId" in str(caught.value)
    assert "not-a-number" not in str(caught.value)


def test_empty_success_body_where_a_model_is_expected(api: MockAPI) -> None:
    api.answer(json_response(200, None))
    with pytest.raises(errors.APIResponseValidationError, match="empty"):
        sync_client(api).request(LOOKUP, LOOKUP_ARGS)


def test_list_response(api: MockAPI) -> None:
    op = Operation(
        operation_id="listCustomers",
        method="GET",
        path="/v2/customers",
        api="v2",
        response=list[Customer],
        idempotent=True,
    )
    api.answer(json_response(200, [{"firstName": "A", "source": "X"}, {"userId": 2}]))
    result = sync_client(api).request(op)
    assert [c.first_name for c in result] == ["A", None]
    assert result[0].source == "X"


# --- v1.1 envelope --------------------------------------------------------------------------


def v11(
    success: object,
    code: object,
    items: list[tuple[object, object]] | None = None,
    **status: object,
) -> dict:
    body: dict = {"status": {"success": success, "code": code, "message": "msg", **status}}
    if items is not None:
        body["customers"] = {
            "customer": [
                {
                    "mobile": f"91{i}",
                    "item_status": {"success": s, "code": c, "message": f"item {i}"},
                }
                for i, (s, c) in enumerate(items)
            ]
        }
    return {"response": body}


def test_v11_success(api: MockAPI) -> None:
    api.answer(json_response(200, v11("true", "200", [("true", 1000)])))
    result = sync_client(api).request(V11_GET, {"mobile": "910"})
    assert result.response.status.code == 200
    envelope = result.response_meta.envelope
    assert envelope.success is True and not envelope.partial and not envelope.all_failed
    assert envelope.items[0].location == ("customers", "customer", 0)


@pytest.mark.parametrize("flag", ["false", False, "FALSE"])
def test_v11_total_failure_raises(api: MockAPI, flag: object) -> None:
    api.answer(json_response(200, v11(flag, 500, [(flag, 1012), ("false", 1013)]), request_id="rid-v11"))
    with pytest.raises(errors.V11EnvelopeError) as caught:
        sync_client(api).request(V11_GET, {"mobile": "91"})
    error = caught.value
    assert error.status_code == 200
    assert (error.code, error.message, error.code_meaning) == (1012, "item 0", "Customer not found")
    assert error.request_id == "rid-v11"
    assert [item.code for item in error.envelope.failed_items] == [1012, 1013]
    assert len(error.errors) == 2


def test_v11_flat_status_is_read_as_the_envelope(api: MockAPI) -> None:
    """The store log upload answers `response: {success, code, message}`, without `status`."""
    flat = {"response": {"success": "false", "code": "904", "message": "size differs"}}
    api.answer(json_response(200, flat, request_id="rid-flat"))
    with pytest.raises(errors.V11EnvelopeError) as caught:
        sync_client(api).request(V11_ADD, body={"root": {}})
    assert (caught.value.code, caught.value.message, caught.value.request_id) == (904, "size differs", "rid-flat")
    # Only a `response` object can be a flat status: a bare top-level flag is not an envelope.
    assert read_v11_envelope({"success": "false", "code": "904"}) is None


def test_v11_partial_success_is_returned(api: MockAPI) -> None:
    api.answer(json_response(200, v11("false", 201, [("true", 1000), ("false", 1012)], total="2", success_count="1")))
    result = sync_client(api).request(V11_ADD, body={"root": {}})
    envelope = result.response_meta.envelope
    assert envelope.partial and not envelope.all_failed
    assert (envelope.total, envelope.success_count) == (2, 1)
    assert [(i.code, i.location) for i in envelope.failed_items] == [(1012, ("customers", "customer", 1))]
    assert [i.code for i in envelope.succeeded_items] == [1000]
    assert result.response.customers.customer[1].item_status.success == "false"


V11_GET_DOCUMENTED = dataclasses.replace(V11_GET, item_status_paths=(("customers", "customer"),))


def count_full_walks(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Locations the walk over the whole body (`_envelope._collect_items` without a tree) visits."""
    walks: list[object] = []
    collect = _envelope._collect_items

    def spy(node: object, at: object, out: list, depth: int, tree: object = None) -> None:
        if tree is None:
            walks.append(at)
        collect(node, at, out, depth, tree)

    monkeypatch.setattr(_envelope, "_collect_items", spy)
    return walks


def test_v11_item_statuses_are_read_where_the_spec_puts_them(api: MockAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    walks = count_full_walks(monkeypatch)
    api.answer(json_response(200, v11("false", 201, [("true", 1000), ("false", 1012)], total="2", success_count="1")))
    envelope = sync_client(api).request(V11_GET_DOCUMENTED, {"mobile": "91"}).response_meta.envelope
    assert [(i.success, i.code, i.location) for i in envelope.items] == [
        (True, 1000, ("customers", "customer", 0)),
        (False, 1012, ("customers", "customer", 1)),
    ]
    assert walks == []
    # One customer object instead of a list of them: the same documented place.
    single = {"response": {"status": {"success": "true", "code": 200}, "customers": {"customer": {"mobile": "91"}}}}
    single["response"]["customers"]["customer"]["item_status"] = {"success": "true", "code": 1000}
    content = json.dumps(single).encode()
    envelope = read_v11_envelope(single, documented=V11_GET_DOCUMENTED.item_status_tree, content=content)
    assert [(i.code, i.location) for i in envelope.items] == [(1000, ("customers", "customer"))]
    # No item status at all: nothing to look for, whatever the operation documents.
    envelope = read_v11_envelope(v11("true", 200), content=json.dumps(v11("true", 200)).encode())
    assert (envelope.code, envelope.items) == (200, ())
    assert walks == []


def test_v11_item_status_the_spec_does_not_place_is_still_found(api: MockAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    walks = count_full_walks(monkeypatch)
    body = v11("false", 201, [("true", 1000), ("true", 1000)])
    body["response"]["customers"]["customer"][0]["coupons"] = [{"item_status": {"success": "false", "code": 700}}]
    api.answer(json_response(200, body))
    envelope = sync_client(api).request(V11_GET_DOCUMENTED, {"mobile": "91"}).response_meta.envelope
    assert [(i.code, i.location) for i in envelope.items] == [
        (1000, ("customers", "customer", 0)),
        (700, ("customers", "customer", 0, "coupons", 0)),
        (1000, ("customers", "customer", 1)),
    ]
    assert walks[0] == ()


def test_v11_envelope_reader_trusts_the_spec_only_when_the_bytes_agree() -> None:
    """The documented places are enough only when the raw body names `item_status` no more often than
    they hold it; whatever hides the name from a byte count sends the reader over the whole body."""
    tree = V11_GET_DOCUMENTED.item_status_tree
    customer = {"mobile": "91", "item_status": {"success": "true", "code": 1000}}
    hidden = {"mobile": "92", "cards": {"card": {"item_status": {"success": "false", "code": 1013}}}}
    body = {"response": {"status": {"success": "true", "code": 200}, "customers": {"customer": [customer, hidden]}}}
    plain = json.dumps(body).encode()
    escaped = plain.replace(b'"item_status"', b'"item\\u005fstatus"').replace(
        b'"item\\u005fstatus"', b'"item_status"', 1
    )
    assert escaped.count(b"item_status") == 1 and json.loads(escaped) == body
    in_a_value = json.dumps({**body, "note": "item_status"}).encode()
    hidden_only = {"response": {"status": {"success": "true", "code": 200}, "customers": {"customer": [hidden]}}}
    for content in (plain, escaped, in_a_value, json.dumps(hidden_only).encode("utf-16")):
        decoded = json.loads(content)
        expected = read_v11_envelope(decoded)
        assert expected is not None and any(item.code == 1013 for item in expected.items)
        assert read_v11_envelope(decoded, documented=tree, content=content) == expected


def test_v11_failure_without_items_uses_counts_then_code(api: MockAPI) -> None:
    client = sync_client(api)
    api.answer(json_response(200, v11("false", 500, success_count="0")))
    with pytest.raises(errors.V11EnvelopeError):
        client.request(V11_GET, {})
    api.answer(json_response(200, v11("false", 201)))
    assert client.request(V11_GET, {}).response_meta.envelope.partial
    api.answer(json_response(200, v11(False, 500)))
    with pytest.raises(errors.V11EnvelopeError) as caught:
        client.request(V11_GET, {})
    assert (caught.value.code, caught.value.message) == (500, "msg")


def test_v11_non_json_success_body(api: MockAPI) -> None:
    api.answer(httpx.Response(200, content=b"Service down", headers={"Content-Type": "text/plain"}))
    with pytest.raises(errors.APIResponseValidationError, match="not JSON"):
        sync_client(api).request(V11_GET, {})
    # XML is read (test_runtime_xml.py), then validated like JSON: an empty `response` is not the model.
    api.answer(httpx.Response(200, content=b"<response/>", headers={"Content-Type": "application/xml"}))
    with pytest.raises(errors.APIResponseValidationError, match="does not match the documented response"):
        sync_client(api).request(V11_GET, {})


async def test_async_response_parsing(api: MockAPI) -> None:
    api.answer(json_response(200, {"entity": {"source": "NEW_SOURCE", "x": 1}}, request_id="rid-async"))
    result = await async_client(api).request(LOOKUP, LOOKUP_ARGS)
    assert result.request_id == "rid-async"
    assert result.entity.source == "NEW_SOURCE"
    api.answer(json_response(200, v11("false", 500, [("false", 1012)])))
    with pytest.raises(errors.V11EnvelopeError):
        await async_client(api).request(V11_GET, {})


def test_models_subclass_capillary_model() -> None:
    assert issubclass(Customer, CapillaryModel)
    assert Customer.model_config["populate_by_name"] is True
    assert Customer.model_config["extra"] == "allow"
