"""Models built from `allOf`: a `$ref` member becomes the base class; the class declares only what
it adds or changes."""

from __future__ import annotations

import subprocess
import sys

from generator.pipeline import build, generate

from spec_project import ITEMS, make_project

EXTENDED = """\
    PricedItem:
      description: An item with a price.
      type: object
      required: [price, name]
      allOf:
        - $ref: "#/components/schemas/Item"
      properties:
        price: {type: number, description: Price.}
"""


def project(tmp_path):
    spec = ITEMS.replace('{$ref: "#/components/schemas/Item"}', '{$ref: "#/components/schemas/PricedItem"}').replace(
        "example: {id: 3, name: pen}", "example: {id: 3, name: pen, price: 1.5}"
    )
    return make_project(tmp_path, {"v2/items.yaml": spec.rstrip("\n") + "\n" + EXTENDED})


def test_allof_ref_becomes_the_base_class(tmp_path) -> None:
    _, api = build(project(tmp_path))
    priced = next(m for m in api.versions[0].models if m.name == "PricedItem")
    assert priced.base == "Item"
    # `fields` keeps every field for the docs; `name` is redeclared because it became required.
    assert [f.wire for f in priced.fields] == ["price", "id", "name"]
    assert [f.wire for f in priced.declared_fields] == ["price", "name"]
    ordered = [m.name for m in api.versions[0].models]
    assert ordered.index("Item") < ordered.index("PricedItem")


def test_the_generated_subclass_validates_inherited_and_changed_fields(tmp_path) -> None:
    generated = project(tmp_path)
    generate(generated)
    code = (
        "from capillary.v2.models import Item, PricedItem\n"
        "p = PricedItem(id=3, name='pen', price=1.5)\n"
        "assert isinstance(p, Item) and p.model_dump() == {'price': 1.5, 'id': 3, 'name': 'pen'}\n"
        "try:\n    PricedItem(id=3, price=1.5)\nexcept ValueError as e:\n    print('name' in str(e))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(generated.out_dir / "python"), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "True"
