"""After an edit, the OpenAPI semantic rules walk only the parts of the file whose content, or what
they refer to, changed since the file last passed; what they report is what a full walk reports."""

from __future__ import annotations

import pytest
from openapi_spec_validator.validation import keywords

from generator import pipeline
from generator.errors import SpecErrors
from generator.pipeline import load_and_validate
from generator.structure_parts import Parts, changed_parts, part_digests

from spec_project import ITEMS, ITEMS_USING_SHARED, SHARED, make_project

# Two resources' worth of paths in one file: /v2/items/{itemId} returns an Item, /v2/tags a Tag that
# refers to a Label. Each path item reaches only its own schemas.
TAGS_PATH = """\
  /v2/tags:
    get:
      operationId: listTags
      summary: List tags
      description: Returns the tags.
      tags: [items]
      security: [{basicAuth: []}]
      externalDocs: {url: "https://docs.example.com/#list-tags"}
      responses:
        "200":
          description: The tags.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Tag"}
              example: {name: red, label: {text: Red}}
"""
TAG_SCHEMAS = """\
    Tag:
      type: object
      properties:
        name: {type: string, description: Name.}
        label: {$ref: "#/components/schemas/Label"}
    Label:
      type: object
      properties:
        text: {type: string, description: Text.}
"""
TWO_PATHS = ITEMS.replace("paths:\n", "paths:\n" + TAGS_PATH, 1).rstrip("\n") + "\n" + TAG_SCHEMAS
BAD_DEFAULT = ("text: {type: string, description: Text.}", "text: {type: string, default: 3, description: Text.}")


def digests(text: str, outside: str = "") -> dict[str, str]:
    import yaml

    return part_digests(yaml.safe_load(text), outside, lambda file: file == "items.yaml")


def test_a_part_is_digested_with_the_components_it_reaches() -> None:
    before = digests(TWO_PATHS)
    after = digests(TWO_PATHS.replace(*BAD_DEFAULT))
    changed = changed_parts(after, before)
    # Label changed: itself, Tag (which refers to it) and the path returning a Tag; not the Item side.
    assert changed == Parts(frozenset({"/v2/tags"}), frozenset({"Label", "Tag"}))


def test_moving_a_part_to_other_lines_changes_nothing() -> None:
    moved = TWO_PATHS.replace("paths:\n" + TAGS_PATH, "paths:\n", 1).replace(
        "  /v2/items/{itemId}:\n", TAGS_PATH + "  /v2/items/{itemId}:\n", 1
    )
    assert changed_parts(digests(moved), digests(TWO_PATHS)) == Parts(frozenset(), frozenset())


def test_a_ref_to_the_file_by_its_own_name_is_followed() -> None:
    by_name = TWO_PATHS.replace(
        '{$ref: "#/components/schemas/Label"}', '{$ref: "items.yaml#/components/schemas/Label"}'
    )
    changed = changed_parts(digests(by_name.replace(*BAD_DEFAULT)), digests(by_name))
    assert changed == Parts(frozenset({"/v2/tags"}), frozenset({"Label", "Tag"}))


@pytest.mark.parametrize(
    "edit",
    [
        ("title: Items", "title: Things"),  # the rest of the document
        ('version: "2"}', 'version: "2.1"}'),
    ],
)
def test_a_change_outside_the_parts_walks_everything(edit) -> None:
    assert changed_parts(digests(TWO_PATHS.replace(*edit)), digests(TWO_PATHS)) is None


def test_a_change_to_another_file_walks_everything() -> None:
    assert changed_parts(digests(TWO_PATHS, "shared.yaml abc"), digests(TWO_PATHS, "shared.yaml def")) is None
    assert changed_parts(digests(TWO_PATHS), None) is None  # never passed


@pytest.fixture
def walked(monkeypatch) -> list[str]:
    """URLs of the path items the semantic rules walk, in this process."""
    monkeypatch.setenv("CAPGEN_SERIAL", "1")
    urls: list[str] = []
    real = keywords.PathValidator.__call__
    monkeypatch.setattr(
        keywords.PathValidator, "__call__", lambda self, url, item: urls.append(url) or real(self, url, item)
    )
    return urls


def test_an_edit_walks_the_changed_parts_and_reports_what_a_full_walk_does(tmp_path, walked) -> None:
    project = make_project(tmp_path, {"v2/items.yaml": TWO_PATHS})
    pipeline.generate(project)
    assert sorted(walked) == ["/v2/items/{itemId}", "/v2/tags"]
    items = project.specs_dir / "v2/items.yaml"

    walked.clear()
    items.write_text(TWO_PATHS.replace(*BAD_DEFAULT))
    with pytest.raises(SpecErrors) as warm:
        pipeline.generate(project, write=False)
    assert walked == ["/v2/tags"]
    with pytest.raises(SpecErrors) as cold:
        load_and_validate(make_project(tmp_path / "cold", {"v2/items.yaml": TWO_PATHS.replace(*BAD_DEFAULT)}))
    assert [str(e) for e in warm.value.errors] == [str(e) for e in cold.value.errors]
    assert [e.rule for e in warm.value.errors] == ["structure"]

    # A later edit elsewhere: the broken part has still not passed, so it is walked and reported again.
    walked.clear()
    items.write_text(TWO_PATHS.replace(*BAD_DEFAULT).replace("Returns an item.", "Returns one item."))
    with pytest.raises(SpecErrors) as again:
        pipeline.generate(project, write=False)
    assert "/v2/tags" in walked
    assert [str(e) for e in again.value.errors] == [str(e) for e in cold.value.errors]


def test_a_file_that_passes_again_is_the_new_reference(tmp_path, walked) -> None:
    project = make_project(tmp_path, {"v2/items.yaml": TWO_PATHS})
    pipeline.generate(project)
    items = project.specs_dir / "v2/items.yaml"
    items.write_text(TWO_PATHS.replace("text: {type: string,", "text: {type: string, maxLength: 9,"))
    pipeline.generate(project)
    walked.clear()
    items.write_text(TWO_PATHS.replace("text: {type: string,", "text: {type: string, maxLength: 8,"))
    pipeline.generate(project)
    assert walked == ["/v2/tags"]


def test_a_ref_broken_in_another_file_is_reported_there(tmp_path, walked) -> None:
    """items.yaml's ref leads into shared.yaml, where the chain breaks: the error is shared.yaml's,
    and items.yaml, whose structure check was skipped, keeps no parts as passed."""
    broken = SHARED.replace(
        "    Item:\n      type: object\n",
        '    Item: {$ref: "#/components/schemas/Gone"}\n    Old:\n      type: object\n',
    )
    project = make_project(tmp_path, {"v2/items.yaml": ITEMS_USING_SHARED, "v2/shared.yaml": broken})
    with pytest.raises(SpecErrors) as caught:
        pipeline.generate(project, write=False)
    assert {(e.file, e.rule) for e in caught.value.errors} >= {("specs/v2/shared.yaml", "ref")}
