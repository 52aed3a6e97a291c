"""Spec validation: every problem reported at once, each as file:line: message."""

from __future__ import annotations

import pytest

from generator.errors import SpecErrors
from generator.pipeline import build, load_and_validate

from spec_project import ITEMS, make_project


def problems(tmp_path, files, *, with_defaults=True) -> list[str]:
    project = make_project(tmp_path, files, with_defaults=with_defaults)
    with pytest.raises(SpecErrors) as caught:
        build(project)
    return [str(e) for e in caught.value.errors]


def test_the_default_project_is_valid(tmp_path) -> None:
    spec_set = load_and_validate(make_project(tmp_path))
    assert len(spec_set.files) == 3


def test_unresolved_ref_names_file_and_line(tmp_path) -> None:
    broken = ITEMS.replace('{$ref: "#/components/schemas/Item"}', '{$ref: "#/components/schemas/Nope"}')
    (message,) = [p for p in problems(tmp_path, {"v2/items.yaml": broken}) if "Nope" in p]
    assert message.startswith("specs/v2/items.yaml:24: ") and "does not resolve" in message


def test_ref_to_missing_file_and_remote_ref(tmp_path) -> None:
    broken = ITEMS.replace('{$ref: "#/components/schemas/Item"}', '{$ref: "../nowhere.yaml#/x"}').replace(
        'basicAuth: {$ref: "../common/security.yaml#/components/securitySchemes/basicAuth"}',
        'basicAuth: {$ref: "https://example.com/s.yaml#/x"}',
    )
    found = problems(tmp_path, {"v2/items.yaml": broken})
    assert any("nowhere.yaml" in p and "does not exist" in p for p in found)
    assert any("remote $ref" in p for p in found)


def test_circular_ref_chain(tmp_path) -> None:
    looped = ITEMS.replace(
        "    Item:\n",
        '    A: {$ref: "#/components/schemas/B"}\n    B: {$ref: "#/components/schemas/A"}\n    Item:\n',
    )
    assert any("circular $ref" in p for p in problems(tmp_path, {"v2/items.yaml": looped}))


def test_duplicate_operation_id_across_files(tmp_path) -> None:
    other = ITEMS.replace("/v2/items/{itemId}", "/v2/things/{itemId}").replace("tags: [items]", "tags: [things]")
    found = problems(tmp_path, {"v2/things.yaml": other})
    assert any(p.startswith("specs/v2/things.yaml:6: ") and "operationId 'getItem' is already used" in p for p in found)


def test_missing_summary_tag_and_example_are_all_reported(tmp_path) -> None:
    broken = (
        ITEMS.replace("      summary: Get an item\n", "")
        .replace("tags: [items]", "tags: [other]")
        .replace("              example: {id: 3, name: pen}\n", "")
    )
    found = problems(tmp_path, {"v2/items.yaml": broken})
    assert any("summary is missing" in p for p in found)
    assert any("tags must be [items]" in p for p in found)
    assert any("has no example" in p for p in found)
    assert all(p.startswith("specs/v2/items.yaml:") for p in found)


def test_invalid_examples_point_at_the_example(tmp_path) -> None:
    broken = ITEMS.replace("example: {id: 3, name: pen}", "example: {id: three}").replace("example: 3", "example: x")
    found = problems(tmp_path, {"v2/items.yaml": broken})
    assert "specs/v2/items.yaml:25: example does not match its schema at id: 'three' is not of type 'integer'" in found
    assert any(p.startswith("specs/v2/items.yaml:18: example does not match") for p in found)


def test_undeclared_path_parameter(tmp_path) -> None:
    broken = ITEMS.replace("/v2/items/{itemId}:", "/v2/items/{itemId}/{other}:")
    assert any("path parameter {other} is not declared" in p for p in problems(tmp_path, {"v2/items.yaml": broken}))


def test_structure_errors_come_from_the_openapi_validator(tmp_path) -> None:
    broken = ITEMS.replace("schema: {type: integer}", "schema: {type: integr}")
    found = problems(tmp_path, {"v2/items.yaml": broken})
    assert any(p.startswith("specs/v2/items.yaml:") and "integr" in p for p in found)


def test_document_schema_problems_point_at_the_offending_line(tmp_path) -> None:
    broken = ITEMS.replace("          in: path\n", "          in: body\n")
    found = problems(tmp_path, {"v2/items.yaml": broken})
    assert any(p.startswith("specs/v2/items.yaml:14: ") and '"body" is not one of' in p for p in found)


def test_schema_objects_are_checked_against_the_openapi_dialect(tmp_path) -> None:
    broken = ITEMS.replace("name: {type: string, description: Name.}", "name: {type: strng, description: Name.}")
    found = problems(tmp_path, {"v2/items.yaml": broken})
    assert any(p.startswith("specs/v2/items.yaml:35: ") and "strng" in p for p in found)


def test_semantic_rules_run_on_well_formed_documents(tmp_path) -> None:
    # A default that its own schema refuses: openapi-spec-validator's rule, beyond the JSON schema.
    broken = ITEMS.replace("id: {type: integer, description: Id.}", "id: {type: integer, default: x, description: Id.}")
    found = problems(tmp_path, {"v2/items.yaml": broken})
    assert any(p.startswith("specs/v2/items.yaml:34: ") and "'x' is not of type 'integer'" in p for p in found)


def test_names_colliding_after_snake_casing(tmp_path) -> None:
    broken = ITEMS.replace(
        "        name: {type: string, description: Name.}\n",
        "        firstName: {type: string, description: A.}\n        first_name: {type: string, description: B.}\n",
    )
    found = problems(tmp_path, {"v2/items.yaml": broken})
    assert any("'firstName' and 'first_name' of Item both map to Python name 'first_name'" in p for p in found)


def test_version_without_root_and_bad_yaml_are_reported_together(tmp_path) -> None:
    found = problems(tmp_path, {"v3/things.yaml": "openapi: 3.1.0\n", "v2/bad.yaml": "a: [1\n"})
    assert any("version v3 has no api.yaml" in p for p in found)
    assert any(p.startswith("specs/v2/bad.yaml:") for p in found)


def test_parameters_need_description_and_example(tmp_path) -> None:
    broken = ITEMS.replace("          description: Item id.\n", "").replace("          example: 3\n", "")
    found = problems(tmp_path, {"v2/items.yaml": broken})
    assert any(
        p.startswith("specs/v2/items.yaml:13: ") and "parameter 'itemId' has no description, example" in p
        for p in found
    )


def test_external_docs_and_error_code_extension_are_checked(tmp_path) -> None:
    broken = ITEMS.replace(
        '      externalDocs: {url: "https://docs.example.com/#get-an-item"}\n',
        "      x-capillary-error-codes:\n        abc: Bad.\n        8015: ''\n",
    )
    found = problems(tmp_path, {"v2/items.yaml": broken})
    assert any("externalDocs.url" in p for p in found)
    assert any(p.startswith("specs/v2/items.yaml:12: ") and "key 'abc' is not an integer code" in p for p in found)
    assert any(
        p.startswith("specs/v2/items.yaml:13: ") and "8015: the meaning must be a non-empty string" in p for p in found
    )


def test_duplicate_route_across_files(tmp_path) -> None:
    other = ITEMS.replace("operationId: getItem", "operationId: fetchItem").replace("tags: [items]", "tags: [things]")
    found = problems(tmp_path, {"v2/things.yaml": other})
    assert any(
        p.startswith("specs/v2/things.yaml:5: ") and "GET /v2/items/{itemId} is already defined in v2" in p
        for p in found
    )


def test_unused_component_is_reported_at_its_line(tmp_path) -> None:
    extra = ITEMS + "    Orphan:\n      type: object\n      description: Never referenced.\n"
    found = problems(tmp_path, {"v2/items.yaml": extra})
    assert any(p.startswith("specs/v2/items.yaml:36: components/schemas/Orphan is never referenced") for p in found)
