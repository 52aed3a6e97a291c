"""The YAML loader: line numbers, duplicate keys, tabs, JSON-like scalars."""

from __future__ import annotations

import pytest

from generator.errors import SpecErrors
from generator.load import YDict, YList, load_file, parse_yaml


def test_every_key_and_item_remembers_its_line() -> None:
    doc = parse_yaml("a: 1\nb:\n  c: [x, y]\n  d:\n    - 1\n    - 2\n", "f.yaml")
    assert isinstance(doc, YDict) and doc.file == "f.yaml"
    assert doc.line_of("a") == 1 and doc.line_of("b") == 2
    assert doc["b"].line_of("d") == 4
    assert isinstance(doc["b"]["d"], YList) and doc["b"]["d"].line_of(1) == 6


def test_duplicate_key_is_an_error_at_its_line() -> None:
    with pytest.raises(SpecErrors) as caught:
        parse_yaml("info:\n  title: a\n  title: b\n", "dup.yaml")
    (error,) = caught.value.errors
    assert (error.file, error.line) == ("dup.yaml", 3)
    assert "duplicate key 'title'" in error.message and "line 2" in error.message


def test_tab_indentation_is_reported_plainly() -> None:
    with pytest.raises(SpecErrors) as caught:
        parse_yaml("info:\n\ttitle: a\n", "tabs.yaml")
    (error,) = caught.value.errors
    assert error.line == 2 and "tab" in error.message


def test_broken_yaml_points_at_the_problem_line() -> None:
    with pytest.raises(SpecErrors) as caught:
        parse_yaml("a: 1\nb: [1, 2\nc: 3\n", "broken.yaml")
    assert caught.value.errors[0].line in (2, 3)
    assert str(caught.value.errors[0]).startswith("broken.yaml:")


def test_dates_stay_strings_and_status_keys_become_strings() -> None:
    doc = parse_yaml("when: 2024-05-01\nresponses:\n  200: {description: ok}\n", "f.yaml")
    assert doc["when"] == "2024-05-01"
    assert list(doc["responses"]) == ["200"]


def test_empty_and_non_utf8_files(tmp_path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("  \n")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    for path, text in ((empty, "empty"), (binary, "UTF-8")):
        with pytest.raises(SpecErrors) as caught:
            load_file(path, tmp_path)
        assert text in caught.value.errors[0].message
