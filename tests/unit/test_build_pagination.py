"""x-capillary-pagination resolved into the IR: Python names, the item list, and its errors."""

from __future__ import annotations

import pytest

from generator.errors import SpecErrors
from generator.pipeline import build

from spec_project import make_project

LIST = """\
openapi: 3.1.0
info: {title: Items, version: "2"}
paths:
  /v2/items:
    get:
      operationId: listItems
      summary: List items
      description: Returns a page of items.
      tags: [items]
      security: [{basicAuth: []}]
      externalDocs: {url: "https://docs.example.com/#list-items"}
      x-capillary-pagination: {style: offset, limit_param: pageSize, offset_param: start, items: /entity/rows}
      parameters:
        - {name: pageSize, in: query, description: Page size., schema: {type: integer}, example: 2}
        - {name: start, in: query, description: Offset., schema: {type: integer}, example: 0}
      responses:
        "200":
          description: A page.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/ItemPage"}
              example: {entity: {rows: [{id: 1}]}}
components:
  securitySchemes:
    basicAuth: {$ref: "../common/security.yaml#/components/securitySchemes/basicAuth"}
  schemas:
    ItemPage:
      type: object
      properties:
        entity:
          type: object
          properties:
            rows:
              type: [array, 'null']
              items: {$ref: "#/components/schemas/Item"}
    Item:
      type: object
      properties:
        id: {type: integer, description: Id.}
"""


def test_pagination_is_resolved_to_python_names(tmp_path) -> None:
    _, api = build(make_project(tmp_path, {"v2/items.yaml": LIST}))
    (op,) = api.versions[0].operations
    paging = op.pagination
    assert (paging.style, paging.limit, paging.position, paging.first) == ("offset", "page_size", "start", 0)
    assert paging.items == ("entity", "rows") and paging.item_type.name == "Item"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("limit_param: pageSize", "limit_param: size"), "limit_param 'size' is not a query parameter"),
        (("items: /entity/rows", "items: /entity/cols"), "'cols' not found"),
        (("items: /entity/rows", "items: /entity"), "is not a list in the response"),
        (("style: offset", "style: cursor"), "needs style: offset or page"),
    ],
)
def test_pagination_errors_name_the_spot(tmp_path, change: tuple[str, str], message: str) -> None:
    with pytest.raises(SpecErrors) as caught:
        build(make_project(tmp_path, {"v2/items.yaml": LIST.replace(*change)}))
    (error,) = [str(e) for e in caught.value.errors]
    assert error.startswith("specs/v2/items.yaml:12: x-capillary-pagination") and message in error
