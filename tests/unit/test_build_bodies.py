"""Request bodies in the IR: JSON and multipart forms, file fields, and argument names set in the spec."""

from __future__ import annotations

import pytest

from generator import ir
from generator.errors import SpecErrors
from generator.pipeline import build

from spec_project import ITEMS, WEBHOOK, make_project

UPLOAD = """\
  /v2/items/{itemId}/photo:
    post:
      operationId: uploadItemPhoto
      summary: Upload a photo
      description: Stores a photo of the item.
      tags: [items]
      security: [{basicAuth: []}]
      externalDocs: {url: "https://docs.example.com/#upload-a-photo"}
      parameters:
        - name: itemId
          in: path
          required: true
          description: Item id.
          schema: {type: integer}
          example: 3
        - name: X-PHOTO-SIZE
          x-capgen-name: photo_size
          in: header
          required: false
          description: Size in bytes.
          schema: {type: integer}
          example: 12
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema: {$ref: "#/components/schemas/PhotoForm"}
            example: {photo: pen.png, legacy: old.gif, caption: A pen}
      responses:
        "200":
          description: Stored.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Item"}
              example: {id: 3}
components:
"""

PHOTO_FORM = """\
    PhotoForm:
      type: object
      required: [photo]
      properties:
        photo: {description: The photo., contentMediaType: image/png}
        legacy: {type: string, format: binary, description: A 3.0-style file part.}
        caption: {type: string, description: Caption.}
        encoded: {type: string, contentMediaType: image/png, contentEncoding: base64, description: Text.}
"""


def upload_project(tmp_path, *, form: str = PHOTO_FORM, replace: tuple[str, str] = ("", "")):
    spec = ITEMS.replace("components:\n", UPLOAD, 1).replace("  schemas:\n", "  schemas:\n" + form, 1)
    return make_project(tmp_path, {"v2/items.yaml": spec.replace(*replace)})


def operation(api: ir.Api, operation_id: str) -> ir.Operation:
    return next(op for op in api.versions[0].operations if op.operation_id == operation_id)


def test_a_multipart_body_has_file_fields(tmp_path) -> None:
    _, api = build(upload_project(tmp_path))
    op = operation(api, "uploadItemPhoto")
    assert op.body is not None and op.body.multipart and op.body.media_type == "multipart/form-data"
    assert op.body.file_fields == ("photo", "legacy")
    model = next(m for m in api.versions[0].models if m.name == "PhotoForm")
    kinds = {f.wire: f.type.kind for f in model.fields}
    # A base64-encoded part is text, not raw bytes.
    assert kinds == {"photo": "file", "legacy": "file", "caption": "builtin", "encoded": "builtin"}
    assert model.fields[0].type.annotation() == "FileField" and model.fields[0].type.hint() == "FileInput"


def test_binary_strings_in_json_stay_strings(tmp_path) -> None:
    _, api = build(upload_project(tmp_path, replace=("multipart/form-data:", "application/json:")))
    op = operation(api, "uploadItemPhoto")
    assert not op.body.multipart and op.body.file_fields == ()
    model = next(m for m in api.versions[0].models if m.name == "PhotoForm")
    assert {f.type.kind for f in model.fields} == {"builtin"}
    assert "FileField" not in {f.type.annotation() for f in model.fields}


def test_a_multipart_body_must_be_an_object(tmp_path) -> None:
    # A map has no named fields to turn into form parts.
    project = upload_project(
        tmp_path,
        form="",
        replace=('{$ref: "#/components/schemas/PhotoForm"}', "{type: object, additionalProperties: true}"),
    )
    with pytest.raises(SpecErrors) as caught:
        build(project)
    (message,) = [str(e) for e in caught.value.errors]
    assert message.startswith("specs/v2/items.yaml:") and "must be an object with named properties" in message


def test_x_capgen_name_sets_the_argument_name(tmp_path) -> None:
    _, api = build(upload_project(tmp_path))
    names = [p.name for p in operation(api, "uploadItemPhoto").parameters]
    assert names == ["item_id", "photo_size"]


@pytest.mark.parametrize("bad", ["class", "body", "2x", "has space"])
def test_an_unusable_x_capgen_name_is_an_error(tmp_path, bad: str) -> None:
    project = upload_project(tmp_path, replace=("x-capgen-name: photo_size", f"x-capgen-name: '{bad}'"))
    with pytest.raises(SpecErrors) as caught:
        build(project)
    assert any("x-capgen-name" in str(e) and "not a usable Python argument name" in str(e) for e in caught.value.errors)


@pytest.mark.parametrize(("explode", "repeated"), [("", True), ("explode: true", True), ("explode: false", False)])
def test_list_query_parameters_follow_openapi_explode(tmp_path, explode: str, repeated: bool) -> None:
    tags = f"""\
        - name: tags
          in: query
          {explode}
          description: Tags.
          schema: {{type: array, items: {{type: string}}}}
          example: [a, b]
      responses:"""
    spec = ITEMS.replace("      responses:", tags.replace("          \n", ""), 1)
    _, api = build(make_project(tmp_path, {"v2/items.yaml": spec}))
    (param,) = [p for p in operation(api, "getItem").parameters if p.wire == "tags"]
    assert param.repeated is repeated


def test_webhooks_become_parsers_with_typed_payloads(tmp_path) -> None:
    spec = ITEMS.replace("components:\n", WEBHOOK, 1)
    _, api = build(make_project(tmp_path, {"v2/items.yaml": spec}))
    (hook,) = api.versions[0].webhooks
    assert (hook.name, hook.function_name, hook.http_method) == ("itemSold", "parse_item_sold", "POST")
    assert hook.payload.type.name == "Item" and hook.documented_as == ("POST {SoldURL}",)
    assert api.versions[0].callable_resources  # the file's operations are still there


def test_a_webhook_needs_a_json_payload(tmp_path) -> None:
    spec = ITEMS.replace("components:\n", WEBHOOK.replace("application/json:", "text/plain:"), 1)
    with pytest.raises(SpecErrors) as caught:
        build(make_project(tmp_path, {"v2/items.yaml": spec}))
    assert any("request body needs a application/json" in str(e) for e in caught.value.errors)
