"""Building a version resource by resource: an edit builds the edited file's resource, and every other
resource is replayed from the memo only when what it looked up of the shared state still holds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator import build, ir, pipeline
from generator.errors import SpecErrors
from generator.journal import Journal, journaled
from generator.memo import Memo
from generator.project import Project
from generator.specset import load_specs

from spec_project import ITEMS, ITEMS_USING_SHARED, SHARED, fresh_output, make_project, record_calls

# A second resource. Its query parameter `summary` is an inline enum, named GetOrderSummary after
# its operation, unless an earlier resource (items < orders) has claimed that name.
ORDERS = (
    ITEMS.replace("/v2/items/{itemId}", "/v2/orders/{orderId}")
    .replace("getItem", "getOrder")
    .replace("tags: [items]", "tags: [orders]")
    .replace("itemId", "orderId")
    .replace("#get-an-item", "#get-an-order")
    .replace("Get an item", "Get an order")
    .replace("schemas/Item", "schemas/Order")
    .replace("    Item:\n", "    Order:\n")
    .replace(
        "          example: 3\n",
        "          example: 3\n"
        "        - name: summary\n"
        "          in: query\n"
        "          description: How much to tell.\n"
        "          schema: {type: string, enum: [short, long]}\n"
        "          example: short\n",
    )
)
# items.yaml with its schema named as orders' inline enum would be.
ITEMS_CLAIMING = ITEMS.replace("schemas/Item", "schemas/GetOrderSummary").replace(
    "    Item:\n", "    GetOrderSummary:\n"
)


@pytest.fixture
def built(monkeypatch) -> list[str]:
    """Stems of the resources built (not replayed), in order."""
    return record_calls(monkeypatch, build.VersionBuilder, "resource", lambda spec_file: spec_file.stem)


def models_module(files: dict[str, bytes]) -> str:
    return files["python/capillary/v2/models.py"].decode()


def test_an_edit_builds_only_the_edited_resource(tmp_path, built) -> None:
    project = make_project(tmp_path, {"v2/orders.yaml": ORDERS})
    pipeline.generate(project)
    assert built == ["items", "orders"]
    built.clear()
    (project.specs_dir / "v2/orders.yaml").write_text(ORDERS.replace("Get an order", "Fetch an order"))
    warm = pipeline.generate(project).files
    assert built == ["orders"]
    built.clear()
    assert warm == fresh_output(project)


@pytest.mark.parametrize(
    ("items_before", "items_after", "enum_before", "enum_after"),
    [
        (ITEMS_CLAIMING, ITEMS, "GetOrderSummary2", "GetOrderSummary"),  # items gives the name up
        (ITEMS, ITEMS_CLAIMING, "GetOrderSummary", "GetOrderSummary2"),  # items claims it first
    ],
    ids=["given-up", "claimed"],
)
def test_a_name_an_earlier_resource_gives_up_or_claims_rebuilds_a_later_one(
    tmp_path, built, items_before, items_after, enum_before, enum_after
) -> None:
    """orders' files do not change, but the name its inline enum looked up does: it is built again."""
    project = make_project(tmp_path, {"v2/items.yaml": items_before, "v2/orders.yaml": ORDERS})
    assert f"class {enum_before}(str, enum.Enum)" in models_module(dict(pipeline.generate(project).files))
    built.clear()
    (project.specs_dir / "v2/items.yaml").write_text(items_after)
    warm = dict(pipeline.generate(project).files)
    assert built == ["items", "orders"]
    assert f"class {enum_after}(str, enum.Enum)" in models_module(warm)
    assert warm == fresh_output(project)


def test_a_name_still_taken_is_replayed(tmp_path, built) -> None:
    """A reword of items leaves the name orders looked up as taken as it was: orders is replayed."""
    project = make_project(tmp_path, {"v2/items.yaml": ITEMS_CLAIMING, "v2/orders.yaml": ORDERS})
    pipeline.generate(project)
    built.clear()
    (project.specs_dir / "v2/items.yaml").write_text(ITEMS_CLAIMING.replace("Returns an item.", "Gives an item."))
    warm = dict(pipeline.generate(project).files)
    assert built == ["items"]
    assert "class GetOrderSummary2(str, enum.Enum)" in models_module(warm)
    assert warm == fresh_output(project)


def test_a_copied_project_replays_its_resources(tmp_path, built) -> None:
    """The shared state is keyed by file labels, not paths: in a copy of the project (its cache
    included), a schema both resources use is still known when the edited one is built."""
    orders = ORDERS.replace('"#/components/schemas/Order"', '"shared.yaml#/components/schemas/Item"').split(
        "  schemas:\n"
    )[0]
    files = {"v2/items.yaml": ITEMS_USING_SHARED, "v2/shared.yaml": SHARED, "v2/orders.yaml": orders}
    pipeline.generate(make_project(tmp_path / "first", files))
    shutil.copytree(tmp_path / "first", tmp_path / "copy")
    project = Project.at(tmp_path / "copy")
    (project.specs_dir / "v2/orders.yaml").write_text(orders.replace("Get an order", "Fetch an order"))
    built.clear()
    warm = dict(pipeline.generate(project).files)
    assert built == ["orders"]
    assert warm == fresh_output(project)


def test_a_resource_with_problems_is_built_on_every_run(tmp_path, built) -> None:
    broken = ORDERS.replace("operationId: getOrder", "operationId: getOrder\n      x-capgen-method: get-order")
    project = make_project(tmp_path, {"v2/orders.yaml": broken})
    for _ in range(2):
        built.clear()
        with pytest.raises(SpecErrors, match="x-capgen-method 'get-order' is not a Python name"):
            pipeline.generate(project)
        assert "orders" in built


def test_a_version_being_edited_is_kept_whole_once_a_run_replays_all_of_it(tmp_path, built) -> None:
    project = make_project(tmp_path, {"v2/orders.yaml": ORDERS})
    memo = Memo(project.memo_dir)

    def build_v2() -> bool:
        """Build the specs as they are; whether v2's IR is then kept whole."""
        spec_set = load_specs(project.specs_dir, project.root, memo)
        build.build_api(spec_set, memo)
        return memo.has(memo.key("ir", spec_set.inputs_digest("v2", memo)))

    assert build_v2() and built == ["items", "orders"]  # a first run: every resource built
    built.clear()
    (project.specs_dir / "v2/orders.yaml").write_text(ORDERS.replace("Get an order", "Fetch an order"))
    assert not build_v2() and built == ["orders"]  # items replayed, orders built: not kept
    assert build_v2() and built == ["orders"]  # all replayed: kept
    assert build_v2() and built == ["orders"]  # and taken whole


def test_every_digest_in_the_ir_is_the_digest_of_what_its_object_shows(tmp_path) -> None:
    """The outputs' pieces are found by the digests the builder sets: each must still describe its
    object as the finished IR holds it, whether the object was built in this run or replayed."""
    repo = Path(__file__).resolve().parents[2]
    spec_set = load_specs(repo / "specs", repo)
    memo = Memo(tmp_path)
    for api in (build.build_api(spec_set), build.build_api(spec_set, memo), build.build_api(spec_set, memo)):
        objects = [node for version in api.versions for node in (*version.operations, *version.models, *version.enums)]
        assert len(objects) > 1500
        assert [node.digest for node in objects] == [ir.shown_digest(node) for node in objects]


def test_the_journal_notes_lookups_of_what_the_step_did_not_write() -> None:
    names, types = Journal(), Journal()
    names["Taken"] = "a.yaml:3"

    def step() -> str:
        names["Mine"] = "b.yaml:5"
        assert "Mine" in names and "Taken" in names and names.get("Free") is None
        types["x"] = 1
        return names["Taken"]

    replay = journaled((names, types), step)
    assert replay.result == "a.yaml:3"
    assert replay.reads == ({"Taken": "a.yaml:3", "Free": None}, {})
    assert replay.writes == ({"Mine": "b.yaml:5"}, {"x": 1})
    names["Later"] = "c.yaml:1"  # outside a step nothing is noted
    assert "Later" not in replay.writes[0] and names.reads is None


def test_a_replay_holds_only_while_what_it_read_is_unchanged() -> None:
    names = Journal()
    names["Taken"] = "a.yaml:3"
    replay = journaled((names,), lambda: ("Free" in names, names["Taken"]))
    fresh = Journal()
    fresh["Taken"] = "a.yaml:3"
    assert replay.holds((fresh,))
    fresh["Unrelated"] = "d.yaml:9"
    assert replay.holds((fresh,))
    fresh["Free"] = "e.yaml:2"
    assert not replay.holds((fresh,))
    moved = Journal()
    moved["Taken"] = "a.yaml:4"
    assert not replay.holds((moved,))
    assert not replay.holds((Journal(),))


def test_applying_a_replay_makes_its_writes() -> None:
    names = Journal()
    replay = journaled((names,), lambda: names.__setitem__("Mine", "b.yaml:5"))
    again = Journal()
    replay.apply((again,))
    assert dict(again) == {"Mine": "b.yaml:5"}
