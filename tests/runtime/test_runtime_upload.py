"""multipart/form-data uploads: what a file field accepts, what goes on the wire, retries, refusals."""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import io
from pathlib import Path

import httpx
import pytest
from capillary import errors
from capillary._files import File, FileField, encode_multipart
from capillary._model import CapillaryModel
from capillary._operation import Operation, Param
from pydantic import Field

from capillary_testkit import MockAPI, async_client, json_response, sync_client


class ImageForm(CapillaryModel):
    file: FileField
    caption: str | None = None
    tags: list[str] | None = None
    primary: bool | None = Field(default=None, alias="isPrimary")


class UploadResult(CapillaryModel):
    code: int | None = None


UPLOAD = Operation(
    operation_id="setCustomerImage",
    method="POST",
    path="/v2/customers/{customerId}/setImage",
    api="v2",
    response=UploadResult,
    params=(Param("customer_id", "customerId", "path", int, required=True),),
    body=ImageForm,
    body_required=True,
    body_format="multipart",
)


def parts(request: httpx.Request) -> dict[str, list[tuple[str | None, str | None, bytes]]]:
    """The form parts of a sent request: name -> [(filename, content type, payload)]."""
    content_type = request.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + request.content
    )
    found: dict[str, list[tuple[str | None, str | None, bytes]]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        found.setdefault(name, []).append(
            (filename, part.get_content_type() if filename else None, part.get_payload(decode=True))
        )
    return found


def test_file_and_fields_go_as_parts(api: MockAPI) -> None:
    api.answer(json_response(200, {"code": 200}))
    body = {"file": File(b"\x89PNG...", filename="me.png"), "caption": "Hi", "tags": ["a", "b"], "isPrimary": True}
    result = sync_client(api).request(UPLOAD, {"customer_id": 7}, body=body)
    assert result.code == 200
    sent = parts(api.requests[0])
    assert sent["file"] == [("me.png", "image/png", b"\x89PNG...")]
    assert sent["caption"] == [(None, None, b"Hi")]
    assert sent["tags"] == [(None, None, b"a"), (None, None, b"b")]
    assert sent["isPrimary"] == [(None, None, b"true")]
    assert "application/json" not in api.requests[0].headers["Content-Type"]


def test_unset_fields_are_not_sent(api: MockAPI) -> None:
    api.answer(json_response(200, {}))
    sync_client(api).request(UPLOAD, {"customer_id": 7}, body=ImageForm(file=b"xyz"))
    assert set(parts(api.requests[0])) == {"file"}
    assert parts(api.requests[0])["file"] == [("upload", "application/octet-stream", b"xyz")]


def test_path_and_binary_file_object_are_read(api: MockAPI, tmp_path: Path) -> None:
    log = tmp_path / "till.txt"
    log.write_bytes(b"line 1\nline 2\n")
    api.answer(json_response(200, {}))
    client = sync_client(api)
    client.request(UPLOAD, {"customer_id": 7}, body={"file": log})
    with log.open("rb") as handle:
        client.request(UPLOAD, {"customer_id": 7}, body={"file": handle})
    client.request(UPLOAD, {"customer_id": 7}, body={"file": io.BytesIO(b"raw")})
    first, second, third = (parts(r)["file"][0] for r in api.requests)
    assert first == second == ("till.txt", "text/plain", b"line 1\nline 2\n")
    assert third == ("upload", "application/octet-stream", b"raw")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("photo.png", "a str is ambiguous"),
        (io.StringIO("text"), "binary mode"),
        (Path("/nonexistent/capgen/photo.png"), "cannot read"),
        (42, "expected File, bytes"),
    ],
)
def test_bad_file_values_are_refused_before_sending(api: MockAPI, value: object, message: str) -> None:
    with pytest.raises(errors.InvalidRequestError, match=message) as caught:
        sync_client(api).request(UPLOAD, {"customer_id": 7}, body={"file": value})
    assert caught.value.param == "body"
    assert api.calls == 0


def test_missing_file_is_refused(api: MockAPI) -> None:
    with pytest.raises(errors.InvalidRequestError, match="file"):
        sync_client(api).request(UPLOAD, {"customer_id": 7}, body={"caption": "no file"})
    assert api.calls == 0


def test_a_retried_upload_sends_the_same_bytes(api: MockAPI) -> None:
    api.answer(json_response(503, {}), json_response(200, {"code": 200}))
    stream = io.BytesIO(b"read once")
    # POST is not idempotent: allow the retry explicitly, as a caller who knows the call is safe would.
    sync_client(api).request(UPLOAD, {"customer_id": 7}, body={"file": stream}, options={"idempotent": True})
    assert api.calls == 2
    assert (
        parts(api.requests[0])["file"]
        == parts(api.requests[1])["file"]
        == [("upload", "application/octet-stream", b"read once")]
    )


def test_async_upload(api: MockAPI) -> None:
    api.answer(json_response(200, {"code": 201}))

    async def call() -> UploadResult:
        async with async_client(api) as client:
            return await client.request(UPLOAD, {"customer_id": 9}, body={"file": b"abc"})

    assert asyncio.run(call()).code == 201
    assert parts(api.requests[0])["file"] == [("upload", "application/octet-stream", b"abc")]


def test_file_repr_shows_no_content() -> None:
    secret = File(b"private-bytes", filename="id.jpg")
    assert repr(secret) == "File(filename='id.jpg', content_type='image/jpeg', size=13)"
    assert "private" not in repr(ImageForm(file=secret))


def test_encode_multipart_sends_objects_as_json() -> None:
    content, content_type = encode_multipart({"meta": {"a": [1, 2]}, "file": File(b"z", "z.bin")})
    request = httpx.Request("POST", "http://x/", content=content, headers={"Content-Type": content_type})
    assert parts(request)["meta"] == [(None, None, b'{"a":[1,2]}')]
