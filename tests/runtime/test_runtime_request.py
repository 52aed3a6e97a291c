"""Request building: validation before I/O, encoding of path/query/header values, body, headers."""

from __future__ import annotations

import datetime
import json
from typing import Any

import httpx
import pytest
from capillary import errors
from capillary._codec import encode_argument
from capillary._model import param_adapter
from capillary._operation import Param

from capillary_testkit import (
    DELETE_LABEL,
    GET_CUSTOMER,
    LOOKUP,
    LOOKUP_ARGS,
    REGISTER,
    V11_ADD,
    V11_GET,
    CustomerCreate,
    MockAPI,
    Source,
    async_client,
    json_response,
    sync_client,
)

CUSTOMER_OK = {"firstName": "Tom", "userId": 42}


@pytest.mark.parametrize(
    ("value", "raw_path"),
    [
        ("../x", b"/v2/customers/..%2Fx/details"),
        ("..", b"/v2/customers/%2E%2E/details"),
        (".", b"/v2/customers/%2E/details"),
        ("a/b", b"/v2/customers/a%2Fb/details"),
        ("?", b"/v2/customers/%3F/details"),
        ("#", b"/v2/customers/%23/details"),
        ("a b", b"/v2/customers/a%20b/details"),
        ("é漢", b"/v2/customers/%C3%A9%E6%BC%A2/details"),
        ("%2F", b"/v2/customers/%252F/details"),
        ("42", b"/v2/customers/42/details"),
    ],
)
def test_path_values_stay_one_segment(api: MockAPI, value: str, raw_path: bytes) -> None:
    api.answer(json_response(200, CUSTOMER_OK))
    sync_client(api).request(GET_CUSTOMER, {"user_id": value})
    request = api.requests[0]
    assert request.url.raw_path == raw_path
    assert request.url.query == b""


def test_empty_path_value_is_refused(api: MockAPI) -> None:
    with pytest.raises(errors.InvalidRequestError, match="'user_id' must not be empty") as caught:
        sync_client(api).request(GET_CUSTOMER, {"user_id": ""})
    assert caught.value.param == "user_id"
    assert api.calls == 0


def test_query_serialisation(api: MockAPI) -> None:
    sync_client(api).request(
        LOOKUP,
        {
            "source": Source.INSTORE,
            "identifier_name": "mobile",
            "identifier_value": 919111111111,  # a number is accepted where a string is expected
            "include_tags": True,
            "fields": ["firstName", "tags"],
            "since": datetime.date(2024, 1, 31),
            "limit": "10",
        },
    )
    params = api.requests[0].url.params
    assert list(params.multi_items()) == [
        ("source", "INSTORE"),
        ("identifierName", "mobile"),
        ("identifierValue", "919111111111"),
        ("includeTags", "true"),
        ("fields", "firstName,tags"),
        ("since", "2024-01-31"),
        ("limit", "10"),
    ]


@pytest.mark.parametrize("value", ["a b&c=d+e", "é漢/?#", "100%", "%41", "x;y,z[]@!$'()*~", "\u2028"])
def test_query_is_encoded_as_httpx_encodes_params(api: MockAPI, value: str) -> None:
    """The client writes the query into the URL itself: byte for byte what httpx makes of `params`."""
    sync_client(api).request(LOOKUP, {**LOOKUP_ARGS, "identifier_value": value})
    sent = api.requests[0].url
    pairs = [("source", "INSTORE"), ("identifierName", "mobile"), ("identifierValue", value)]
    expected = httpx.Client().build_request("GET", sent.copy_with(query=None), params=pairs).url
    assert (sent.raw_path, str(sent)) == (expected.raw_path, str(expected))
    assert sent.params["identifierValue"] == value


def test_none_means_not_given(api: MockAPI) -> None:
    sync_client(api).request(LOOKUP, {**LOOKUP_ARGS, "include_tags": None, "limit": None, "direct_replay": None})
    request = api.requests[0]
    assert "includeTags" not in request.url.params and "limit" not in request.url.params
    assert "X-CAP-DIRECT-REPLAY" not in request.headers


def test_false_is_sent(api: MockAPI) -> None:
    sync_client(api).request(LOOKUP, {**LOOKUP_ARGS, "include_tags": False})
    assert api.requests[0].url.params["includeTags"] == "false"


def test_header_params_and_default_headers(api: MockAPI) -> None:
    sync_client(api, user_agent="pos/1.0").request(LOOKUP, {**LOOKUP_ARGS, "direct_replay": "true"})
    headers = api.requests[0].headers
    assert headers["X-CAP-DIRECT-REPLAY"] == "true"
    assert headers["Accept"] == "application/json"
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "pos/1.0"


@pytest.mark.parametrize("bad", ["a\r\nX-Evil: 1", "a\nb", "a\rb", "a\x00b"])
def test_header_values_with_cr_or_lf_are_refused(api: MockAPI, bad: str) -> None:
    client = sync_client(api)
    with pytest.raises(errors.InvalidRequestError, match="without CR, LF, NUL") as caught:
        client.request(LOOKUP, {**LOOKUP_ARGS, "direct_replay": bad})
    assert caught.value.param == "direct_replay"
    with pytest.raises(errors.InvalidRequestError):
        client.request(LOOKUP, LOOKUP_ARGS, options={"extra_headers": {"X-Trace": bad}})
    with pytest.raises(errors.InvalidRequestError):
        client.request(LOOKUP, LOOKUP_ARGS, options={"attribution_entity_code": bad})
    with pytest.raises(errors.ConfigurationError):
        sync_client(api, attribution_entity_code=bad)
    assert api.calls == 0


def test_invalid_extra_header_name(api: MockAPI) -> None:
    with pytest.raises(errors.InvalidRequestError, match="invalid header name"):
        sync_client(api).request(LOOKUP, LOOKUP_ARGS, options={"extra_headers": {"Bad Name": "x"}})
    assert api.calls == 0


def test_attribution_headers_from_client_and_per_call(api: MockAPI) -> None:
    client = sync_client(api, attribution_entity_type="STORE_CODE", attribution_entity_code="store-1")
    client.request(LOOKUP, LOOKUP_ARGS)
    client.request(LOOKUP, LOOKUP_ARGS, options={"attribution_entity_code": "store-2"})
    first, second = api.requests
    assert first.headers["X-CAP-API-ATTRIBUTION-ENTITY-TYPE"] == "STORE_CODE"
    assert first.headers["X-CAP-API-ATTRIBUTION-ENTITY-CODE"] == "store-1"
    assert second.headers["X-CAP-API-ATTRIBUTION-ENTITY-TYPE"] == "STORE_CODE"
    assert second.headers["X-CAP-API-ATTRIBUTION-ENTITY-CODE"] == "store-2"


def test_no_attribution_headers_by_default(api: MockAPI) -> None:
    sync_client(api).request(LOOKUP, LOOKUP_ARGS)
    assert "X-CAP-API-ATTRIBUTION-ENTITY-TYPE" not in api.requests[0].headers


def test_extra_headers_are_sent_last(api: MockAPI) -> None:
    sync_client(api).request(
        LOOKUP,
        LOOKUP_ARGS,
        options={"extra_headers": {"X-Trace": "t-1", "Accept": "application/xml"}},
    )
    assert api.requests[0].headers["X-Trace"] == "t-1"
    assert api.requests[0].headers["Accept"] == "application/xml"


def test_per_call_timeout(api: MockAPI) -> None:
    client = sync_client(api)
    client.request(LOOKUP, LOOKUP_ARGS, options={"timeout": 3})
    client.request(LOOKUP, LOOKUP_ARGS)
    assert api.requests[0].extensions["timeout"] == {"connect": 3, "read": 3, "write": 3, "pool": 3}
    # with a user-supplied http_client and no timeout given, that client's timeout applies (httpx: 5 s)
    assert api.requests[1].extensions["timeout"] == {
        "connect": 5.0,
        "read": 5.0,
        "write": 5.0,
        "pool": 5.0,
    }


def test_client_timeout_overrides_the_http_clients(api: MockAPI) -> None:
    sync_client(api, timeout=httpx.Timeout(12, connect=2)).request(LOOKUP, LOOKUP_ARGS)
    assert api.requests[0].extensions["timeout"] == {
        "connect": 2,
        "read": 12,
        "write": 12,
        "pool": 12,
    }


def test_v11_gets_format_json(api: MockAPI) -> None:
    v11 = {"response": {"status": {"success": "true", "code": 200, "message": "ok"}}}
    api.answer(json_response(200, v11))
    client = sync_client(api)
    client.request(V11_GET, {"mobile": "919111111111"})
    client.request(V11_GET, {"mobile": "1", "format": "xml"})
    assert list(api.requests[0].url.params.multi_items()) == [
        ("mobile", "919111111111"),
        ("format", "json"),
    ]
    assert list(api.requests[1].url.params.multi_items()) == [("mobile", "1"), ("format", "xml")]


def test_v2_gets_no_format(api: MockAPI) -> None:
    sync_client(api).request(LOOKUP, LOOKUP_ARGS)
    assert "format" not in api.requests[0].url.params


# --- validation before I/O --------------------------------------------------------------------


def test_missing_required_argument(api: MockAPI) -> None:
    with pytest.raises(errors.InvalidRequestError) as caught:
        sync_client(api).request(LOOKUP, {"source": "INSTORE", "identifier_name": "mobile"})
    assert caught.value.param == "identifier_value"
    assert str(caught.value) == "lookupCustomer: missing required argument 'identifier_value'"
    assert api.calls == 0


def test_wrong_type_names_the_argument(api: MockAPI) -> None:
    with pytest.raises(errors.InvalidRequestError) as caught:
        sync_client(api).request(LOOKUP, {**LOOKUP_ARGS, "limit": "ten"})
    assert caught.value.param == "limit"
    assert "argument 'limit'" in str(caught.value)
    assert "valid integer" in str(caught.value)
    assert "ten" not in str(caught.value)  # values are never echoed (they may be personal data)
    assert caught.value.errors[0]["loc"] == ("limit",)
    assert api.calls == 0


@pytest.mark.parametrize(
    ("annotation", "value"),
    [(str, "91"), (int, 5), (bool, True), (str, 919), (int, "5"), (int, True), (bool, "true"), (float, 5)],
)
def test_plain_arguments_encode_as_the_adapter_would(annotation: Any, value: Any) -> None:
    """Exact str/int/bool values skip pydantic; every value still ends up as its adapter dumps it."""
    param = Param("x", "x", "query", annotation)
    adapter = param_adapter(annotation)
    expected = adapter.dump_python(adapter.validate_python(value), mode="json")
    encoded = encode_argument(LOOKUP, param, value)
    assert (encoded, type(encoded)) == (expected, type(expected))


def test_unknown_enum_value_in_a_parameter(api: MockAPI) -> None:
    with pytest.raises(errors.InvalidRequestError) as caught:
        sync_client(api).request(LOOKUP, {**LOOKUP_ARGS, "source": "SOMEWHERE"})
    assert caught.value.param == "source"
    assert "one of 'INSTORE', 'ECOMMERCE' (Source)" in str(caught.value)
    assert api.calls == 0


def test_unexpected_argument_or_option_is_a_type_error(api: MockAPI) -> None:
    client = sync_client(api)
    with pytest.raises(TypeError, match="unexpected argument 'identifer_value'"):
        client.request(LOOKUP, {**LOOKUP_ARGS, "identifer_value": "x"})
    with pytest.raises(TypeError, match="unknown request option"):
        client.request(LOOKUP, LOOKUP_ARGS, options={"retries": 1})  # type: ignore[typeddict-unknown-key]
    assert api.calls == 0


def test_body_dict_is_validated_strictly(api: MockAPI) -> None:
    client = sync_client(api)
    with pytest.raises(errors.InvalidRequestError) as caught:
        client.request(REGISTER, body={"firstName": "Tom", "source": "INSTORE", "mobil": "91"})
    assert caught.value.param == "body"
    assert "Unknown field for CustomerCreate: 'mobil' (did you mean 'mobile'?)" in str(caught.value)
    with pytest.raises(errors.InvalidRequestError, match="Source"):
        client.request(REGISTER, body={"firstName": "Tom", "source": "MARS"})
    with pytest.raises(errors.InvalidRequestError, match="body.firstName: Field required"):
        client.request(REGISTER, body={"source": "INSTORE"})
    with pytest.raises(errors.InvalidRequestError, match="missing required request body"):
        client.request(REGISTER)
    with pytest.raises(errors.InvalidRequestError, match="takes no request body"):
        client.request(LOOKUP, LOOKUP_ARGS, body={"x": 1})
    assert api.calls == 0


def test_body_is_sent_by_alias_with_only_what_was_set(api: MockAPI) -> None:
    api.answer(json_response(200, {"createdId": 7}))
    client = sync_client(api)
    client.request(REGISTER, body={"first_name": "Tom", "source": "INSTORE"})
    client.request(REGISTER, body=CustomerCreate(first_name="Ann", source=Source.ECOMMERCE, last_name=None))
    assert json.loads(api.requests[0].content) == {"firstName": "Tom", "source": "INSTORE"}
    assert json.loads(api.requests[1].content) == {
        "firstName": "Ann",
        "lastName": None,
        "source": "ECOMMERCE",
    }
    assert api.requests[0].headers["Content-Type"] == "application/json"


def test_free_form_v11_body(api: MockAPI) -> None:
    api.answer(json_response(200, {"response": {"status": {"success": "true", "code": 200, "message": "ok"}}}))
    sync_client(api).request(V11_ADD, body={"root": {"customer": [{"mobile": "91"}]}})
    assert json.loads(api.requests[0].content) == {"root": {"customer": [{"mobile": "91"}]}}
    assert api.requests[0].url.params["format"] == "json"


def test_delete_with_int_path_and_no_response_body(api: MockAPI) -> None:
    api.answer(httpx.Response(204))
    assert sync_client(api).request(DELETE_LABEL, {"user_id": 5}) is None
    assert api.requests[0].method == "DELETE"
    assert api.requests[0].url.raw_path == b"/v2/customers/5/labels"
    with pytest.raises(errors.InvalidRequestError):
        sync_client(api).request(DELETE_LABEL, {"user_id": "five"})
    assert api.calls == 1


async def test_async_validation_before_io(api: MockAPI) -> None:
    client = async_client(api)
    with pytest.raises(errors.InvalidRequestError):
        await client.request(LOOKUP, {**LOOKUP_ARGS, "source": "NOPE"})
    with pytest.raises(errors.InvalidRequestError):
        await client.request(GET_CUSTOMER, {"user_id": "x"}, options={"extra_headers": {"X": "a\nb"}})
    assert api.calls == 0
    api.answer(json_response(200, CUSTOMER_OK))
    await client.request(GET_CUSTOMER, {"user_id": "../admin"})
    assert api.requests[0].url.raw_path == b"/v2/customers/..%2Fadmin/details"


def test_repeated_list_query_parameters_send_one_pair_per_item(api: MockAPI) -> None:
    from capillary._operation import Operation, Param

    operation = Operation(
        operation_id="getCoupons",
        method="GET",
        path="/v2/coupon",
        api="v2",
        response=None,
        params=(
            Param("ids", "ids", "query", list[int], repeated=True),
            Param("codes", "codes", "query", list[str]),
        ),
    )
    api.answer(httpx.Response(200))
    sync_client(api).request(operation, {"ids": [4, 5], "codes": ["A", "B"]})
    assert api.requests[0].url.params.multi_items() == [("ids", "4"), ("ids", "5"), ("codes", "A,B")]
