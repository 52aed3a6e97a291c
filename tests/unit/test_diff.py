"""Breaking-change detection: one fixture pair per kind of change, and the CLI on a git repo."""

from __future__ import annotations

import copy
import subprocess

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.diff import diff_documents, markdown
from generator.pipeline import generate

from spec_project import ITEMS, make_project

BASE = {
    "openapi": "3.1.0",
    "paths": {
        "/v2/items/{id}": {
            "get": {
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
                    {"name": "mode", "in": "query", "schema": {"type": "string", "enum": ["a", "b"]}},
                ],
                "responses": {
                    "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}
                },
            },
            "put": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
                "responses": {"200": {"content": {"application/json": {"schema": {"type": "object"}}}}},
            },
        }
    },
    "components": {
        "schemas": {
            "Item": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "price": {"type": "number"},
                    "kind": {"type": "string", "enum": ["x", "y"]},
                },
            }
        }
    },
}


def changed(edit) -> list[tuple[bool, str]]:
    new = copy.deepcopy(BASE)
    edit(new)
    return [(c.breaking, c.message) for c in diff_documents(BASE, new, "v2")]


def item(doc):
    return doc["components"]["schemas"]["Item"]


def test_identical_documents_have_no_changes() -> None:
    assert changed(lambda d: None) == []


def test_operation_removed_and_added() -> None:
    def edit(doc):
        del doc["paths"]["/v2/items/{id}"]["put"]
        doc["paths"]["/v2/other"] = {"get": {"responses": {}}}

    assert changed(edit) == [(True, "operation removed"), (False, "operation added")]


def test_parameter_removed_added_and_made_required() -> None:
    def edit(doc):
        params = doc["paths"]["/v2/items/{id}"]["get"]["parameters"]
        params[1]["required"] = True
        params.append({"name": "new", "in": "query", "schema": {"type": "string"}})
        params.append({"name": "must", "in": "header", "required": True, "schema": {"type": "string"}})

    assert changed(edit) == [
        (True, "query parameter 'mode' became required"),
        (True, "required header parameter 'must' added"),
        (False, "optional query parameter 'new' added"),
    ]
    assert changed(lambda d: d["paths"]["/v2/items/{id}"]["get"]["parameters"].pop()) == [
        (True, "query parameter 'mode' removed")
    ]


def test_enum_value_removed_is_breaking_for_requests_added_is_not() -> None:
    def edit(doc):
        doc["paths"]["/v2/items/{id}"]["get"]["parameters"][1]["schema"]["enum"] = ["a", "c"]

    assert changed(edit) == [
        (True, "query parameter 'mode': enum value(s) ['b'] removed"),
        (False, "query parameter 'mode': enum value(s) ['c'] added"),
    ]


def test_type_narrowed_in_a_request() -> None:
    def edit(doc):
        item(doc)["properties"]["price"]["type"] = "integer"

    found = changed(edit)
    assert (True, "request body.price: type narrowed (type number -> integer)") in found
    assert (False, "response.price: type narrowed (type number -> integer)") in found


def test_field_removed_renamed_and_optional_to_required() -> None:
    def removed(doc):
        del item(doc)["properties"]["kind"]

    assert (True, "response field 'kind' removed") in changed(removed)

    def renamed(doc):
        item(doc)["properties"]["title"] = item(doc)["properties"].pop("name")

    found = changed(renamed)
    assert (True, "response field 'name' renamed to 'title'") in found
    assert (True, "request body field 'name' renamed to 'title'") in found

    def required(doc):
        item(doc)["required"].append("name")

    assert changed(required) == [(True, "request body.name became required")]


def test_additions_are_compatible() -> None:
    def edit(doc):
        item(doc)["properties"]["colour"] = {"type": "string"}

    assert sorted(changed(edit)) == [
        (False, "request body: optional field 'colour' added"),
        (False, "response: optional field 'colour' added"),
    ]


def test_markdown_lists_both_kinds() -> None:
    new = copy.deepcopy(BASE)
    del new["paths"]["/v2/items/{id}"]["put"]
    text = markdown(diff_documents(BASE, new, "v2"), "v1.0")
    assert "### Breaking changes (1)" in text and "- `v2 PUT /v2/items/{id}`: operation removed" in text
    assert "### Compatible changes (0)" in text


@pytest.fixture
def git_project(tmp_path):
    project = make_project(tmp_path)
    generate(project)
    for command in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "base"],
    ):
        subprocess.run(["git", "-C", str(tmp_path), *command], check=True)
    return project


def test_cli_exit_status_follows_breaking_changes(git_project) -> None:
    specs = git_project.specs_dir / "v2/items.yaml"
    specs.write_text(ITEMS.replace("        name: {type: string, description: Name.}\n", ""))
    runner = CliRunner()
    result = runner.invoke(main, ["--root", str(git_project.root), "diff", "HEAD"])
    assert result.exit_code == 1
    assert "response field 'name' removed" in result.output
    assert runner.invoke(main, ["--root", str(git_project.root), "diff", "HEAD", "--allow-breaking"]).exit_code == 0
    specs.write_text(
        ITEMS.replace(
            "        name: {type: string, description: Name.}\n",
            "        name: {type: string, description: Name.}\n        note: {type: string}\n",
        )
    )
    result = runner.invoke(main, ["--root", str(git_project.root), "diff", "HEAD"])
    assert result.exit_code == 0 and "optional field 'note' added" in result.output
    assert runner.invoke(main, ["--root", str(git_project.root), "diff", "no-such-ref"]).exit_code == 1
