"""HTTP error statuses become typed exceptions carrying Capillary's code, message and request id."""

from __future__ import annotations

import httpx
import pytest
from capillary import errors

from capillary_testkit import (
    LOOKUP,
    LOOKUP_ARGS,
    REGISTER,
    V11_GET,
    MockAPI,
    async_client,
    json_response,
    sync_client,
)


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (405, errors.APIStatusError),
        (409, errors.ConflictError),
        (415, errors.APIStatusError),
        (422, errors.UnprocessableEntityError),
        (429, errors.RateLimitError),
        (461, errors.SearchBusyError),
        (500, errors.InternalServerError),
        (502, errors.InternalServerError),
        (503, errors.InternalServerError),
        (521, errors.CustomerLockedError),
    ],
)
def test_status_maps_to_error_class(api: MockAPI, status: int, error_class: type) -> None:
    body = {
        "entity": None,
        "errors": [{"status": False, "code": 8015, "message": "Customer not found"}],
    }
    api.answer(json_response(status, body, request_id="rid-err"))
    with pytest.raises(errors.APIStatusError) as caught:
        sync_client(api, max_retries=0).request(LOOKUP, LOOKUP_ARGS)
    error = caught.value
    assert type(error) is error_class
    assert error.status_code == status
    assert error.code == 8015
    assert error.message == "Customer not found"
    assert error.request_id == "rid-err"
    assert error.operation_id == "lookupCustomer"
    assert error.code_meaning == "Customer not found for the given identifiers"
    assert error.errors == [{"status": False, "code": 8015, "message": "Customer not found"}]
    assert error.body == body


def test_str_and_repr_of_a_status_error(api: MockAPI) -> None:
    api.answer(
        json_response(
            404,
            {"errors": [{"code": "8015", "message": "Customer not found"}]},
            request_id="5670FF17B7D58",
        )
    )
    with pytest.raises(errors.NotFoundError) as caught:
        sync_client(api).request(LOOKUP, LOOKUP_ARGS)
    assert caught.value.code == 8015  # numeric strings become ints
    assert str(caught.value) == (
        "HTTP 404 [code 8015]: Customer not found (Customer not found for the given identifiers) "
        "[lookupCustomer] (request id 5670FF17B7D58)"
    )
    assert repr(caught.value) == (
        "NotFoundError(status_code=404, code=8015, message='Customer not found', "
        "operation_id='lookupCustomer', request_id='5670FF17B7D58')"
    )


def test_batch_limit_code(api: MockAPI) -> None:
    api.answer(json_response(400, {"errors": [{"code": 1060, "message": "Batch limit exceeded"}]}))
    with pytest.raises(errors.BatchLimitError) as caught:
        sync_client(api).request(REGISTER, body={"firstName": "A", "source": "INSTORE"})
    assert isinstance(caught.value, errors.BadRequestError)
    assert caught.value.code == 1060


def test_v3_errors_object(api: MockAPI) -> None:
    api.answer(json_response(403, {"data": None, "errors": {"code": 123, "message": "forbidden here"}}))
    with pytest.raises(errors.PermissionDeniedError) as caught:
        sync_client(api).request(LOOKUP, LOOKUP_ARGS)
    assert (caught.value.code, caught.value.message) == (123, "forbidden here")


def test_v11_http_error_takes_code_from_the_failed_item(api: MockAPI) -> None:
    body = {
        "response": {
            "status": {
                "success": "false",
                "code": "500",
                "message": "All requests have failed due to errors",
            },
            "customers": {
                "customer": [
                    {
                        "mobile": "91",
                        "item_status": {
                            "success": "false",
                            "code": "1012",
                            "message": "Customer not found",
                        },
                    }
                ]
            },
        }
    }
    api.answer(json_response(404, body))
    with pytest.raises(errors.NotFoundError) as caught:
        sync_client(api).request(V11_GET, {"mobile": "91"})
    error = caught.value
    assert (error.code, error.message, error.code_meaning) == (
        1012,
        "Customer not found",
        "Customer not found",
    )
    assert error.envelope is not None and error.envelope.code == 500
    assert error.errors == [{"code": 1012, "message": "Customer not found", "location": ["customers", "customer", 0]}]


def test_v11_http_error_without_items_uses_the_request_status(api: MockAPI) -> None:
    api.answer(
        json_response(
            401,
            {
                "response": {
                    "status": {
                        "success": False,
                        "code": 401,
                        "message": "Please check your username/password",
                    }
                }
            },
        )
    )
    with pytest.raises(errors.AuthenticationError) as caught:
        sync_client(api).request(V11_GET, {})
    assert (caught.value.code, caught.value.message) == (401, "Please check your username/password")


def test_non_json_error_body(api: MockAPI) -> None:
    api.answer(httpx.Response(502, content=b"<html>Bad Gateway</html>", headers={"Content-Type": "text/html"}))
    with pytest.raises(errors.InternalServerError) as caught:
        sync_client(api, max_retries=0).request(LOOKUP, LOOKUP_ARGS)
    assert caught.value.message == "Bad Gateway"
    assert caught.value.code is None
    assert caught.value.body == "<html>Bad Gateway</html>"
    assert caught.value.request_id is None


@pytest.mark.parametrize(
    ("status", "error_class", "text"),
    [
        (461, errors.SearchBusyError, "Search engine is busy"),
        (521, errors.CustomerLockedError, "same customer"),
    ],
)
def test_capillary_statuses_without_body_get_the_documented_message(
    api: MockAPI, status: int, error_class: type, text: str
) -> None:
    api.answer(json_response(status, None, request_id="rid-x"))
    with pytest.raises(error_class, match=text) as caught:
        sync_client(api, max_retries=0).request(LOOKUP, LOOKUP_ARGS)
    assert caught.value.request_id == "rid-x"


def test_error_hierarchy() -> None:
    assert issubclass(errors.InvalidRequestError, ValueError)
    assert issubclass(errors.MissingCredentialsError, errors.ConfigurationError)
    assert issubclass(errors.APITimeoutError, errors.APIConnectionError)
    assert issubclass(errors.V11EnvelopeError, errors.APIStatusError)
    for cls in (
        errors.APIStatusError,
        errors.APIConnectionError,
        errors.ConfigurationError,
        errors.InvalidRequestError,
    ):
        assert issubclass(cls, errors.CapillaryError)
    assert errors.error_class_for(599) is errors.InternalServerError
    assert errors.error_class_for(418) is errors.APIStatusError
    assert errors.error_class_for(400, 1060) is errors.BatchLimitError


async def test_async_error_mapping(api: MockAPI) -> None:
    api.answer(json_response(409, {"errors": [{"code": 8050, "message": "duplicate"}]}, request_id="rid-a"))
    with pytest.raises(errors.ConflictError) as caught:
        await async_client(api).request(LOOKUP, LOOKUP_ARGS)
    assert (caught.value.code, caught.value.request_id) == (8050, "rid-a")
