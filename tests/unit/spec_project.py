"""Build small spec projects in a temporary folder for generator tests."""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator.pipeline import Project, generate

SECURITY = """\
openapi: 3.1.0
info: {title: Shared, version: "1"}
paths: {}
components:
  securitySchemes:
    basicAuth: {type: http, scheme: basic, description: Basic.}
"""

ROOT = """\
openapi: 3.1.0
info: {title: Test API, version: "2", description: Test.}
servers:
  - {url: "https://eu.example.com", description: EU., x-capillary-cluster: eu}
security:
  - basicAuth: []
tags:
  - {name: items, description: Items.}
paths: {}
components:
  securitySchemes:
    basicAuth: {$ref: "../common/security.yaml#/components/securitySchemes/basicAuth"}
"""

ITEMS = """\
openapi: 3.1.0
info: {title: Items, version: "2"}
paths:
  /v2/items/{itemId}:
    get:
      operationId: getItem
      summary: Get an item
      description: Returns an item.
      tags: [items]
      security: [{basicAuth: []}]
      externalDocs: {url: "https://docs.example.com/#get-an-item"}
      parameters:
        - name: itemId
          in: path
          required: true
          description: Item id.
          schema: {type: integer}
          example: 3
      responses:
        "200":
          description: The item.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Item"}
              example: {id: 3, name: pen}
components:
  securitySchemes:
    basicAuth: {$ref: "../common/security.yaml#/components/securitySchemes/basicAuth"}
  schemas:
    Item:
      type: object
      required: [id]
      properties:
        id: {type: integer, description: Id.}
        name: {type: string, description: Name.}
"""


# ITEMS' Item schema in a file of its own, and items.yaml referring to it there.
_ITEMS_OWN, _ITEM_SCHEMA = ITEMS.split("  schemas:\n")
SHARED = """\
openapi: 3.1.0
info: {title: Shared schemas, version: "2"}
paths: {}
components:
  schemas:
""" + _ITEM_SCHEMA
ITEMS_USING_SHARED = _ITEMS_OWN.replace('"#/components/schemas/Item"', '"shared.yaml#/components/schemas/Item"')


# A webhook for the items resource: `ITEMS.replace("components:\n", WEBHOOK, 1)` adds it.
WEBHOOK = """\
webhooks:
  itemSold:
    post:
      summary: An item was sold
      description: Sent when an item sells.
      x-capillary-documented-as: ['POST {SoldURL}']
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Item"}
            example: {id: 3}
      responses:
        "200": {description: Taken.}
components:
"""


def make_project(tmp_path: Path, files: dict[str, str] | None = None, *, with_defaults: bool = True) -> Project:
    """A project with a valid v2 `items` resource, overridden or extended by `files`."""
    contents = {"common/security.yaml": SECURITY, "v2/api.yaml": ROOT, "v2/items.yaml": ITEMS} if with_defaults else {}
    contents.update(files or {})
    for relative, text in contents.items():
        path = tmp_path / "specs" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return Project.at(tmp_path)


def fresh_output(project: Project) -> dict[str, bytes]:
    """What a run with no cache at all generates: what a warm run must give byte for byte."""
    return dict(generate(dataclasses.replace(project, cache_dir=None), write=False).files)


def record_calls(monkeypatch: Any, owner: type, method: str, note: Callable[[Any], str]) -> list[str]:
    """Patch `owner.method(self, spec_file)` to note `note(spec_file)` of each call, in order: which
    files a step made again rather than took from the cache."""
    notes: list[str] = []
    real = getattr(owner, method)

    def recording(self: Any, spec_file: Any) -> Any:
        notes.append(note(spec_file))
        return real(self, spec_file)

    monkeypatch.setattr(owner, method, recording)
    return notes
