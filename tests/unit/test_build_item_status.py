"""Where a v1.1 response schema puts `item_status`: the paths the runtime reads the envelope at."""

from __future__ import annotations

from generator.pipeline import build

from spec_project import ROOT, make_project

V11_ROOT = ROOT.replace('version: "2"', 'version: "1.1"')

V11_ITEMS = """\
openapi: 3.1.0
info: {title: Items, version: "1.1"}
paths:
  /v1.1/item/get:
    get:
      operationId: getItems
      summary: Get items
      description: Returns items.
      tags: [items]
      security: [{basicAuth: []}]
      externalDocs: {url: "https://docs.example.com/#get-items"}
      responses:
        "200":
          description: The items.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/ItemsResponse"}
              example: {response: {status: {success: "true", code: 200}, items: {item: {id: 3}}}}
components:
  securitySchemes:
    basicAuth: {$ref: "../common/security.yaml#/components/securitySchemes/basicAuth"}
  schemas:
    ItemsResponse:
      type: object
      properties:
        response:
          type: object
          properties:
            status: {$ref: "#/components/schemas/Status"}
            items:
              type: object
              properties:
                item:
                  oneOf:
                    - {$ref: "#/components/schemas/Item"}
                    - {type: array, items: {$ref: "#/components/schemas/Item"}}
    Status:
      type: object
      properties:
        success: {type: string, description: Flag.}
        code: {type: integer, description: Code.}
    Item:
      type: object
      properties:
        id: {type: integer, description: Id.}
        item_status: {$ref: "#/components/schemas/Status"}
        parts:
          type: array
          description: Parts, each with its own status.
          items: {$ref: "#/components/schemas/Part"}
        children:
          type: array
          description: The same shape again.
          items: {$ref: "#/components/schemas/Item"}
        by_code:
          type: object
          description: A map; its keys are not known.
          additionalProperties: {$ref: "#/components/schemas/Part"}
    Part:
      type: object
      properties:
        name: {type: string, description: Name.}
        item_status: {$ref: "#/components/schemas/Status"}
"""


def test_v11_operations_list_where_item_status_is(tmp_path) -> None:
    project = make_project(tmp_path, {"v1.1/api.yaml": V11_ROOT, "v1.1/items.yaml": V11_ITEMS})
    _, api = build(project)
    by_version = {version.name: version for version in api.versions}
    (op,) = by_version["v1.1"].operations
    # Inside `response`; a list or a one-or-many `oneOf` is transparent. Not under a map (its keys
    # are unknown) nor a model inside itself: the runtime walks the whole body for those.
    assert op.item_status_paths == (("items", "item"), ("items", "item", "parts"))
    assert all(op.item_status_paths == () for op in by_version["v2"].operations)


def test_the_generated_v11_customer_get_names_its_customers() -> None:
    """The real spec: what the per-call benchmark's v1.1 customer get reads."""
    from capillary.v1_1 import customers

    assert customers._GET.item_status_paths == (("customers", "customer"),)
