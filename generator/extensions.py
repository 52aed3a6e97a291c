"""Check capgen's own OpenAPI extensions (`x-capgen-*`, `x-capillary-*`): known names, values of the
documented shape (specs/README.md). The IR build reads them as they are, so a wrong shape must stop
here with `file:line` rather than crash the build or turn into garbage (a string read as a list of
characters).
"""

from __future__ import annotations

from typing import Any

from .errors import SpecError
from .specset import DATA_KEYS, SpecFile, line_of

PREFIXES = ("x-capgen-", "x-capillary-")


def check_extensions(files: list[SpecFile], errors: list[SpecError]) -> None:
    """Every `x-capgen-*` / `x-capillary-*` key anywhere in `files` is known and well formed."""
    for spec_file in files:
        _visit(spec_file, spec_file.doc, errors)


def _visit(spec_file: SpecFile, node: Any, errors: list[SpecError]) -> None:
    if isinstance(node, list):
        for item in node:
            _visit(spec_file, item, errors)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if isinstance(key, str) and key.startswith(PREFIXES):
            check = _CHECKS.get(key)
            line = line_of(node, key)
            if check is None:
                known = ", ".join(sorted(_CHECKS))
                message = f"unknown extension {key!r}; known: {known}"
                errors.append(SpecError(spec_file.label, line, message, "extension"))
            else:
                for where, problem in check(value):
                    errors.append(SpecError(spec_file.label, where or line, f"{key}: {problem}", "extension"))
        elif key in DATA_KEYS:
            continue
        elif key == "properties" and isinstance(value, dict):
            for schema in value.values():  # property names are wire names, not extensions
                _visit(spec_file, schema, errors)
        else:
            _visit(spec_file, value, errors)


Problems = list[tuple[int, str]]


def _kind(value: Any) -> str:
    """What a YAML value is, in the words of the spec (not Python's class names)."""
    for kind, name in ((bool, "a boolean"), (int, "a number"), (float, "a number"), (str, "a string")):
        if isinstance(value, kind):
            return name
    return "a mapping" if isinstance(value, dict) else "a list" if isinstance(value, list) else "null"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _string(value: Any) -> Problems:
    return [] if isinstance(value, str) and value.strip() else [(0, f"must be a non-empty string, got {value!r}")]


def _mapping(value: Any, allowed: tuple[str, ...]) -> Problems:
    if not isinstance(value, dict):
        return [(0, f"must be a mapping with keys {', '.join(allowed)}, got {_kind(value)}")]
    names = ", ".join(allowed)
    return [(line_of(value, k), f"unknown key {k!r} (allowed: {names})") for k in value if k not in allowed]


def _batch(value: Any) -> Problems:
    problems = _mapping(value, ("supported", "max_items"))
    if problems and not isinstance(value, dict):
        return problems
    if not isinstance(value.get("supported"), bool):
        problems.append((line_of(value, "supported"), "supported must be true or false"))
    if "max_items" in value and not (_is_int(value["max_items"]) and value["max_items"] > 0):
        problem = f"max_items must be a positive integer, got {value['max_items']!r}"
        problems.append((line_of(value, "max_items"), problem))
    return problems


def _resource_info(value: Any) -> Problems:
    if not isinstance(value, dict):
        return [(0, f"must be a mapping of label -> value, got {_kind(value)}")]
    return [
        (line_of(value, label), f"{label!r} must be a plain value (text, number or boolean)")
        for label, fact in value.items()
        if not isinstance(fact, (str, int, float, bool))
    ]


def _pagination(value: Any) -> Problems:
    problems = _mapping(value, ("style", "limit_param", "offset_param", "page_param", "items", "first"))
    if isinstance(value, dict) and "first" in value and not _is_int(value["first"]):
        problems.append((line_of(value, "first"), f"first must be an integer, got {value['first']!r}"))
    return problems


def _documented_as(value: Any) -> Problems:
    if not isinstance(value, list):
        return [(0, f"must be a list of 'METHOD /path' strings, got {_kind(value)}")]
    return [
        (line_of(value, index), f"item {item!r} is not a 'METHOD /path' string")
        for index, item in enumerate(value)
        if not isinstance(item, str) or " " not in item.strip()
    ]


def _status_codes(value: Any) -> Problems:
    if not isinstance(value, list):
        return [(0, f"must be a list of tables {{name, title, description, codes}}, got {_kind(value)}")]
    problems: Problems = []
    for index, table in enumerate(value):
        where = line_of(value, index)
        if not isinstance(table, dict):
            problems.append((where, f"table {index + 1} must be a mapping {{name, title, description, codes}}"))
            continue
        problems += _mapping(table, ("name", "title", "description", "codes"))
        problems += [(line_of(table, "name"), f"table {index + 1}: name {p}") for _, p in _string(table.get("name"))]
        codes = table.get("codes")
        if not isinstance(codes, list):
            problems.append((line_of(table, "codes"), f"table {index + 1}: codes must be a list of {{code, meaning}}"))
            continue
        for position, entry in enumerate(codes):
            if not (isinstance(entry, dict) and _is_int(entry.get("code")) and isinstance(entry.get("meaning"), str)):
                problems.append((line_of(codes, position), "each code must be {code: <integer>, meaning: <text>}"))
    return problems


_CHECKS = {
    "x-capgen-method": _string,
    "x-capgen-name": _string,
    "x-capillary-batch": _batch,
    "x-capillary-cluster": _string,
    "x-capillary-documented-as": _documented_as,
    "x-capillary-error-codes": lambda value: [],  # checked with its operation (validate._lint_error_codes)
    "x-capillary-family": _string,
    "x-capillary-pagination": _pagination,
    "x-capillary-resource-info": _resource_info,
    "x-capillary-status-codes": _status_codes,
}
