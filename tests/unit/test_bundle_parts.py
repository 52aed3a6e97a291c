"""A version's bundle joined from its files' parts (`joined_bundle`) is the document `bundle_version`
makes of the whole version, in the same order, and an edit copies only the edited file again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator import bundle
from generator.bundle import bundle_version, joined_bundle
from generator.errors import SpecErrors
from generator.memo import Memo, Pieces
from generator.project import Project
from generator.specset import SpecSet, json_text, load_specs

from spec_project import ITEMS, ITEMS_USING_SHARED, SHARED, WEBHOOK, make_project, record_calls

REPO = Path(__file__).resolve().parents[2]

# A second resource that adds a method to items' path, uses the shared Item, and sends a webhook
# of the same name as items' (the later file's wins, as when the version is bundled whole).
ORDERS = """\
openapi: 3.1.0
info: {title: Orders, version: "2"}
paths:
  /v2/items/{itemId}:
    delete:
      operationId: deleteItem
      summary: Delete an item
      responses:
        "200":
          description: The deleted item.
          content:
            application/json:
              schema: {$ref: "shared.yaml#/components/schemas/Item"}
  /v2/orders:
    get:
      operationId: listOrders
      summary: List orders
      responses:
        "200":
          description: Orders.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Order"}
webhooks:
  itemSold:
    post:
      summary: An order sold an item
      responses:
        "200": {description: Taken.}
components:
  schemas:
    Order:
      type: object
      properties:
        item: {$ref: "shared.yaml#/components/schemas/Item"}
"""
FILES = {
    "v2/items.yaml": ITEMS_USING_SHARED.replace(
        "components:\n", WEBHOOK.replace("#/components", "shared.yaml#/components"), 1
    ),
    "v2/shared.yaml": SHARED,
    "v2/orders.yaml": ORDERS,
}


def assert_joins_into_the_whole(spec_set: SpecSet, version: str, memo: Memo) -> None:
    document, digests = joined_bundle(spec_set, version, memo)
    whole = bundle_version(spec_set, version)
    assert json_text(document) == json_text(whole)  # the order of every mapping too
    for keys, digest in digests.items():  # what dump_bundle finds pieces by must be the entry's
        entry: Any = document
        for key in keys:
            entry = entry[key]
        assert digest == Pieces.digest(json_text(entry)), keys


@pytest.fixture
def copied(monkeypatch) -> list[str]:
    """Labels of the files whose parts were copied (not taken from the memo), in order."""
    return record_calls(monkeypatch, bundle.Bundler, "part", lambda spec_file: spec_file.label)


def test_every_version_of_the_repository_specs_joins_into_its_whole_bundle(tmp_path) -> None:
    spec_set = load_specs(REPO / "specs", REPO)
    memo = Memo(tmp_path)
    for version in spec_set.versions():
        assert_joins_into_the_whole(spec_set, version, Memo(None))
        assert_joins_into_the_whole(spec_set, version, memo)  # parts made and kept
        assert_joins_into_the_whole(spec_set, version, memo)  # parts taken from the memo


def test_a_path_split_across_files_shared_components_and_a_webhook_twice_join_as_a_whole(tmp_path, copied) -> None:
    project = make_project(tmp_path, FILES)
    spec_set = load_specs(project.specs_dir, project.root)
    document, digests = joined_bundle(spec_set, "v2", Memo(tmp_path / "memo"))
    assert list(document["paths"]["/v2/items/{itemId}"]) == ["get", "delete"]
    assert ("paths", "/v2/items/{itemId}") not in digests and ("paths", "/v2/orders") in digests
    assert document["webhooks"]["itemSold"]["post"]["summary"] == "An order sold an item"
    assert sorted(document["components"]["schemas"]) == ["Item", "Order"]
    assert copied == ["specs/v2/api.yaml", "specs/v2/items.yaml", "specs/v2/orders.yaml", "specs/v2/shared.yaml"]
    assert_joins_into_the_whole(spec_set, "v2", Memo(tmp_path / "memo"))


def test_a_component_name_defined_in_two_files_is_reported_as_bundling_the_whole_reports_it(tmp_path) -> None:
    # Each file's part alone is sound: items.yaml and orders.yaml each define and use their own Item.
    orders = (
        ORDERS.replace("shared.yaml#/components/schemas/Item", "#/components/schemas/Item")
        .replace("schemas/Order", "schemas/Item")
        .replace("    Order:\n", "    Item:\n")
    )
    project = make_project(tmp_path, {**FILES, "v2/items.yaml": ITEMS, "v2/orders.yaml": orders})
    spec_set = load_specs(project.specs_dir, project.root)
    with pytest.raises(SpecErrors) as whole:
        bundle_version(spec_set, "v2")
    with pytest.raises(SpecErrors) as joined:
        joined_bundle(spec_set, "v2", Memo(tmp_path / "memo"))
    assert "component schemas/Item is defined in more than one file" in str(whole.value.errors[0])
    assert joined.value.errors == whole.value.errors


def test_a_route_in_two_files_is_bundled_as_a_whole(tmp_path) -> None:
    """The lint refuses it; the bundle keeps the first file's operation, as bundling the whole does."""
    orders = ORDERS.replace("    delete:\n      operationId: deleteItem", "    get:\n      operationId: getItemToo")
    project = make_project(tmp_path, {**FILES, "v2/orders.yaml": orders})
    spec_set = load_specs(project.specs_dir, project.root)
    document, digests = joined_bundle(spec_set, "v2", Memo(tmp_path / "memo"))
    assert document["paths"]["/v2/items/{itemId}"]["get"]["operationId"] == "getItem"
    assert json_text(document) == json_text(bundle_version(spec_set, "v2")) and digests == {}


def read_trees(spec_set: SpecSet) -> list[str]:
    """Labels of the files whose parsed trees are read from now on."""
    labels: list[str] = []
    for spec_file in spec_set.files.values():

        def reading(spec_file=spec_file, read=spec_file.read_doc) -> dict:
            labels.append(spec_file.label)
            return read()

        spec_file.read_doc = reading
    return labels


def bundled_once(tmp_path: Path) -> tuple[Project, Memo]:
    """A project of FILES, bundled once with a memo that keeps the parts."""
    project = make_project(tmp_path, FILES)
    memo = Memo(tmp_path / "memo")
    joined_bundle(load_specs(project.specs_dir, project.root, memo), "v2", memo)
    return project, memo


def test_an_edit_copies_the_edited_file_and_reads_only_the_trees_it_reaches(tmp_path, copied) -> None:
    project, memo = bundled_once(tmp_path)
    copied.clear()
    (project.specs_dir / "v2/orders.yaml").write_text(ORDERS.replace("List orders", "List the orders"))
    spec_set = load_specs(project.specs_dir, project.root, memo)
    reads = read_trees(spec_set)
    document, _ = joined_bundle(spec_set, "v2", memo)
    assert document["paths"]["/v2/orders"]["get"]["summary"] == "List the orders"
    assert copied == ["specs/v2/orders.yaml"]
    assert reads == ["specs/v2/orders.yaml", "specs/v2/shared.yaml"]  # and not items' nor the root's
    assert_joins_into_the_whole(spec_set, "v2", memo)


def test_a_part_is_copied_again_when_a_file_it_refers_to_changes(tmp_path, copied) -> None:
    project, memo = bundled_once(tmp_path)
    copied.clear()
    (project.specs_dir / "v2/shared.yaml").write_text(SHARED.replace("description: Name.", "description: Its name."))
    spec_set = load_specs(project.specs_dir, project.root, memo)
    document, _ = joined_bundle(spec_set, "v2", memo)
    assert document["components"]["schemas"]["Item"]["properties"]["name"]["description"] == "Its name."
    assert copied == ["specs/v2/items.yaml", "specs/v2/orders.yaml", "specs/v2/shared.yaml"]
    assert_joins_into_the_whole(spec_set, "v2", memo)
