"""Incremental generation: what a run takes from `.capgen-cache/memo` instead of recomputing it.

Every cached step must give what a run without the cache gives; these tests edit a project between
runs and compare, and check that the edits that must re-run a check do.
"""

from __future__ import annotations

import os

import pytest

from generator import build, pipeline, specset, validate
from generator.bundle import dump_bundle, dump_yaml
from generator.docs.model import DocsBuilder
from generator.errors import SpecErrors
from generator.memo import TOOL_LIBRARIES, Memo, Pieces, installed_versions, prune
from generator.render import Renderer
from generator.specset import load_specs

from spec_project import ITEMS, ITEMS_USING_SHARED, ROOT, SHARED, fresh_output, make_project

V3_ROOT = ROOT.replace('version: "2"', 'version: "3"').replace("name: items, description: Items.", "name: things")
V3_THINGS = (
    ITEMS.replace("/v2/items", "/v3/things").replace("tags: [items]", "tags: [things]").replace("getItem", "getThing")
)


def shared_project(tmp_path):
    return make_project(
        tmp_path,
        {
            "v2/items.yaml": ITEMS_USING_SHARED,
            "v2/shared.yaml": SHARED,
            "v3/api.yaml": V3_ROOT,
            "v3/things.yaml": V3_THINGS,
        },
    )


@pytest.fixture
def structure_checks(monkeypatch) -> list[str]:
    """Labels of the files the OpenAPI structure check runs on (in this process: a forked child's
    calls would not be counted here)."""
    monkeypatch.setenv("CAPGEN_SERIAL", "1")
    checked: list[str] = []
    real = validate.check_structure

    def counting(spec_set, spec_file, plain, errors, parts=None):
        checked.append(spec_file.label)
        return real(spec_set, spec_file, plain, errors, parts)

    monkeypatch.setattr(validate, "check_structure", counting)
    return checked


def test_a_change_to_a_referenced_file_checks_the_files_that_refer_to_it_again(tmp_path) -> None:
    project = shared_project(tmp_path)
    pipeline.generate(project)
    # items.yaml itself is unchanged, but its example no longer matches the schema it refers to.
    (project.specs_dir / "v2/shared.yaml").write_text(SHARED.replace("name: {type: string", "name: {type: integer"))
    with pytest.raises(SpecErrors) as caught:
        pipeline.generate(project, write=False)
    assert [(e.file, e.rule) for e in caught.value.errors] == [("specs/v2/items.yaml", "example-valid")]


def test_only_changed_files_and_those_that_reach_them_are_checked_again(tmp_path, structure_checks) -> None:
    project = shared_project(tmp_path)
    pipeline.generate(project)
    assert len(structure_checks) == 6  # every file, the first time
    structure_checks.clear()
    pipeline.generate(project, write=False)
    assert structure_checks == []
    (project.specs_dir / "v2/shared.yaml").write_text(SHARED.replace("required: [id]", "required: [id, name]"))
    pipeline.generate(project, write=False)
    assert sorted(structure_checks) == ["specs/v2/items.yaml", "specs/v2/shared.yaml"]


def test_reworded_prose_is_not_checked_again_but_blank_prose_is_reported(tmp_path, structure_checks) -> None:
    project = shared_project(tmp_path)
    pipeline.generate(project)
    structure_checks.clear()
    items = project.specs_dir / "v2/items.yaml"
    items.write_text(ITEMS_USING_SHARED.replace("Returns an item.", "Answers with\n        one item."))
    assert b"Answers with one item." in pipeline.generate(project).files["python/capillary/v2/items.py"]
    assert structure_checks == []
    items.write_text(ITEMS_USING_SHARED.replace("description: Returns an item.", "description: '  '"))
    with pytest.raises(SpecErrors) as caught:
        pipeline.generate(project, write=False)
    assert [e.rule for e in caught.value.errors] == ["operation-description"]


def test_an_example_is_not_prose(tmp_path) -> None:
    """A `description` inside an example is data: changing it can break the example."""
    schema = SHARED.replace("name: {type: string, description: Name.}", "description: {type: string, enum: [a, b]}")
    items = ITEMS_USING_SHARED.replace("example: {id: 3, name: pen}", "example: {id: 3, description: a}")
    files = {"v2/items.yaml": items, "v2/shared.yaml": schema, "v3/api.yaml": V3_ROOT, "v3/things.yaml": V3_THINGS}
    project = make_project(tmp_path, files)
    pipeline.generate(project)
    (project.specs_dir / "v2/items.yaml").write_text(items.replace("description: a}", "description: c}"))
    with pytest.raises(SpecErrors) as caught:
        pipeline.generate(project, write=False)
    assert [e.rule for e in caught.value.errors] == ["example-valid"]


@pytest.mark.parametrize(
    ("path", "old", "new"),
    [
        ("v2/items.yaml", "Returns an item.", "Gives back one item."),
        ("v2/shared.yaml", "name: {type: string, description: Name.}", "label: {type: string, description: Label.}"),
        ("v3/things.yaml", "Get an item", "Get a thing"),
        ("common/security.yaml", "description: Basic.", "description: Basic auth with till credentials."),
    ],
    ids=["v2-prose", "v2-shared-schema", "v3-only", "common-file"],
)
def test_a_warm_run_generates_what_a_cold_run_does(tmp_path, path, old, new) -> None:
    project = shared_project(tmp_path)
    before = dict(pipeline.generate(project).files)
    spec = project.specs_dir / path
    spec.write_text(spec.read_text().replace(old, new))
    if path == "v2/shared.yaml":  # keep the example valid against the changed schema
        items = project.specs_dir / "v2/items.yaml"
        items.write_text(items.read_text().replace("name: pen", "label: pen"))
    warm = dict(pipeline.generate(project).files)
    assert warm == fresh_output(project)
    assert warm != before


def test_an_unchanged_version_is_not_built_or_rendered_again(tmp_path, monkeypatch) -> None:
    project = shared_project(tmp_path)
    pipeline.generate(project)
    built: list[str] = []
    real = build.VersionBuilder.build
    monkeypatch.setattr(build.VersionBuilder, "build", lambda self: built.append(self.version) or real(self))
    items = project.specs_dir / "v2/items.yaml"
    items.write_text(items.read_text().replace("Returns an item.", "Gives back one item."))
    pipeline.generate(project)
    assert built == ["v2"]


@pytest.fixture
def trees(monkeypatch) -> list[str]:
    """Labels of the files whose parsed tree a run made or read back from the memo, in this process."""
    monkeypatch.setenv("CAPGEN_SERIAL", "1")
    labels: list[str] = []
    real_parse, real_remembered = specset.parse_spec, specset._remembered_doc
    monkeypatch.setattr(specset, "parse_spec", lambda data, label: labels.append(label) or real_parse(data, label))
    monkeypatch.setattr(
        specset,
        "_remembered_doc",
        lambda memo, key, data, label: labels.append(label) or real_remembered(memo, key, data, label),
    )
    return labels


def test_a_run_reads_the_trees_of_the_changed_version_only(tmp_path, trees) -> None:
    project = shared_project(tmp_path)
    pipeline.generate(project)
    items = project.specs_dir / "v2/items.yaml"
    items.write_text(items.read_text().replace("Returns an item.", "Gives back one item."))
    trees.clear()
    warm = dict(pipeline.generate(project).files)
    assert sorted(trees) == [
        "specs/common/security.yaml",
        "specs/v2/api.yaml",
        "specs/v2/items.yaml",
        "specs/v2/shared.yaml",
    ]
    assert warm == fresh_output(project)


OTHER = """\
openapi: 3.1.0
info: {title: Other, version: "2"}
paths:
  /v2/others:
    get:
      operationId: listOthers
      summary: List others
      description: Returns the others.
      tags: [other]
      security: [{basicAuth: []}]
      externalDocs: {url: "https://docs.example.com/#list-others"}
      responses:
        "200":
          description: The others.
          content:
            application/json:
              schema: {type: object}
              example: {count: 1}
"""


def test_checks_across_files_see_the_files_they_do_not_read(tmp_path, trees) -> None:
    """A changed file that takes another file's operationId, and stops using a schema of a third: both
    unchanged files are judged from what the memo kept of them, and reported as a cold run does."""
    project = make_project(
        tmp_path, {"v2/items.yaml": ITEMS_USING_SHARED, "v2/shared.yaml": SHARED, "v2/other.yaml": OTHER}
    )
    pipeline.generate(project)
    items = project.specs_dir / "v2/items.yaml"
    items.write_text(
        ITEMS_USING_SHARED.replace("operationId: getItem", "operationId: listOthers").replace(
            '{$ref: "shared.yaml#/components/schemas/Item"}', "{type: object}"
        )
    )
    trees.clear()
    with pytest.raises(SpecErrors) as warm:
        pipeline.generate(project, write=False)
    assert "specs/v2/other.yaml" not in trees and "specs/v2/shared.yaml" not in trees
    with pytest.raises(SpecErrors) as cold:
        validate.validate_specs(load_specs(project.specs_dir, project.root))
    assert [str(e) for e in warm.value.errors] == [str(e) for e in cold.value.errors]
    # Both reported at lines of the unchanged files, which only their outlines gave.
    assert sorted((e.file, e.rule) for e in warm.value.errors) == [
        ("specs/v2/other.yaml", "duplicate-operation-id"),
        ("specs/v2/shared.yaml", "unused-component"),
    ]


def test_a_parsed_tree_gone_from_the_memo_is_parsed_again(tmp_path, trees) -> None:
    project = shared_project(tmp_path)
    pipeline.generate(project)
    trees.clear()
    spec_set = load_specs(project.specs_dir, project.root, Memo(project.memo_dir))
    assert trees == []  # nothing read yet
    for entry in (project.cache_dir / "memo").glob("parsed-*/*"):
        entry.unlink()
    fresh = load_specs(project.specs_dir, project.root)
    assert {f.label: f.doc for f in spec_set.files.values()} == {f.label: f.doc for f in fresh.files.values()}


def test_a_file_that_is_not_a_mapping_is_reported_on_every_run(tmp_path) -> None:
    project = shared_project(tmp_path)
    (project.specs_dir / "v2/listed.yaml").write_text("- one\n- two\n")
    for _ in range(2):
        with pytest.raises(SpecErrors) as caught:
            pipeline.generate(project, write=False)
        assert [(e.file, e.line) for e in caught.value.errors] == [("specs/v2/listed.yaml", 1)]


LIST_ITEMS = """\
  /v2/items:
    get:
      operationId: listItems
      summary: List items
      description: Returns every item.
      tags: [items]
      security: [{basicAuth: []}]
      externalDocs: {url: "https://docs.example.com/#list-items"}
      responses:
        "200":
          description: The items.
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Item"}}
              example: [{id: 3, name: pen}]
"""


def test_an_edit_renders_again_only_the_docs_sections_and_model_classes_it_changes(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CAPGEN_SERIAL", "1")  # the docs are counted here, not in a forked child
    project = make_project(tmp_path, {"v2/items.yaml": ITEMS.replace("paths:\n", "paths:\n" + LIST_ITEMS, 1)})
    pipeline.generate(project)
    documented: list[str] = []
    classes: list[str] = []
    real_operation, real_render = DocsBuilder.operation, Renderer.render
    monkeypatch.setattr(
        DocsBuilder,
        "operation",
        staticmethod(lambda doc, resource, op: documented.append(op.operation_id) or real_operation(doc, resource, op)),
    )

    def render(self, template, **context):
        if template in ("python/version/model.py.jinja", "python/version/enum.py.jinja"):
            classes.extend(node.name for node in context.values())
        return real_render(self, template, **context)

    monkeypatch.setattr(Renderer, "render", render)
    items = project.specs_dir / "v2/items.yaml"

    items.write_text(items.read_text().replace("Returns an item.", "Gives back one item."))
    warm = dict(pipeline.generate(project).files)
    assert documented == ["getItem"] and classes == []
    assert warm == fresh_output(project)

    # Both operations list the Item's fields: both sections change, and so does the Item class.
    documented.clear()
    classes.clear()
    items.write_text(items.read_text().replace("description: Name.", "description: What it is called."))
    warm = dict(pipeline.generate(project).files)
    assert sorted(documented) == ["getItem", "listItems"] and classes == ["Item"]
    assert warm == fresh_output(project)

    # Lines moved: neither the classes nor the docs show lines, so nothing is rendered again.
    documented.clear()
    classes.clear()
    items.write_text("# Items of the test API.\n\n" + items.read_text())
    warm = dict(pipeline.generate(project).files)
    assert documented == [] and classes == []
    assert warm == fresh_output(project)


def test_an_unreadable_cache_entry_is_a_miss(tmp_path) -> None:
    project = shared_project(tmp_path)
    expected = dict(pipeline.generate(project).files)
    for entry in (project.cache_dir / "memo").rglob("*"):
        if entry.is_file():
            entry.write_bytes(b"not a pickle")
    assert dict(pipeline.generate(project).files) == expected


def test_memo_keys_depend_on_every_part_and_its_boundaries(tmp_path) -> None:
    memo = Memo(tmp_path)
    assert memo.key("k", "ab", "c") != memo.key("k", "a", "bc")
    assert memo.key("k", "a") != memo.key("j", "a")
    memo.put(memo.key("k", "a"), {"value": 1})
    assert memo.get(memo.key("k", "a")) == {"value": 1} and memo.get(memo.key("k", "b")) is None
    assert Memo(None).get(memo.key("k", "a")) is None


LONG = "a text the emitter has to wrap, as it is longer than one hundred characters, and at a column that depends on "
BUNDLE = {
    "openapi": "3.1.0",
    "info": {"title": "A bundle", "version": "1", "description": LONG + "nothing"},
    "paths": {"/a/{id}": {"get": {"summary": LONG + "its nesting"}}, "/b": {}},
    "webhooks": {},
    "components": {
        "schemas": {
            "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
            "B": {"type": "string", "description": LONG + "its nesting, with unicode: café 名前"},
        },
        "parameters": {"Id": {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}},
        "responses": {},
    },
}


def test_a_bundle_dumped_piece_by_piece_is_the_whole_dump(tmp_path) -> None:
    document = BUNDLE
    whole = dump_yaml(document)
    memo = Memo(tmp_path)
    first = Pieces(memo, "bundle")
    assert dump_bundle(document, first) == whole
    first.save()
    again = Pieces(memo, "bundle")
    assert dump_bundle(document, again) == whole
    assert again.reused == len(again.used) > 0


def test_a_few_new_pieces_are_saved_without_rewriting_the_base_table(tmp_path) -> None:
    memo = Memo(tmp_path)
    base = memo._path(memo.key("table", "t"))

    def run(texts: list[str]) -> Pieces:
        pieces = Pieces(memo, "t")
        for text in texts:
            pieces.get(text, text.upper)
        pieces.save()
        assert len(Pieces(memo, "t").known) <= 1.5 * len(texts)  # what is kept stays near one output
        return pieces

    texts = [f"piece {i}" for i in range(20)]
    run(texts)
    inode = base.stat().st_ino  # a rewrite replaces the file
    # Each edit changes another piece: the base is kept until a quarter of it would be stale or new.
    for edited in range(3):
        texts[edited] += ", edited"
        pieces = run(texts)
        assert pieces.reused == 19
        kept = Pieces(memo, "t")
        assert {text: kept.find(Pieces.digest(text)) for text in texts} == {text: text.upper() for text in texts}
        if edited < 2:
            assert base.stat().st_ino == inode
            assert len(memo.table("t, since")) == edited + 1
        else:
            assert base.stat().st_ino != inode
            assert memo.table("t, since") == {} and len(memo.table("t")) == 20


def test_prune_deletes_the_least_recently_used_entries_first(tmp_path) -> None:
    memo = Memo(tmp_path)
    for index, name in enumerate(["old", "middle", "new"]):
        memo.put(memo.key("k", name), b"x" * 1000)
        os.utime(memo._path(memo.key("k", name)), (1000 + index, 1000 + index))
    assert memo.get(memo.key("k", "old")) is not None  # a hit makes it the most recently used
    prune(tmp_path, 2500)
    assert [name for name in ("old", "middle", "new") if memo.has(memo.key("k", name))] == ["old", "new"]


def test_library_versions_are_read_as_importlib_metadata_reads_them() -> None:
    from importlib.metadata import version

    assert installed_versions(TOOL_LIBRARIES) == {library: version(library) for library in TOOL_LIBRARIES}
    assert installed_versions(("Jinja2", "markdown_it.py")) == {
        "Jinja2": version("jinja2"),
        "markdown_it.py": version("markdown-it-py"),
    }


def test_the_ir_keeps_examples_as_plain_data(tmp_path) -> None:
    """The IR is pickled on every change; spec-file mappings (with their line tables) would make it
    larger and slower to read back, and nothing after the build asks for a line."""
    _, api = pipeline.build(shared_project(tmp_path))
    op = api.versions[0].resources[0].operations[0]
    examples = [op.response.example, *(p.example for p in op.parameters)]
    examples += [f.example for model in api.versions[0].models for f in model.fields]
    assert op.response.example == {"id": 3, "name": "pen"}
    assert all(type(example) in (dict, list, int, str, float, bool, type(None)) for example in examples)
