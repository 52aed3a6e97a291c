"""OpenAPI 3.1 structure checks of one spec file, fast enough to run on every generation.

Two passes, as openapi-spec-validator makes them, with its own schemas and rules:

1. the document against the OpenAPI 3.1 schema, and every Schema Object against the OpenAPI 3.1
   schema dialect. Both are JSON Schema validations that jsonschema-rs runs ~500x faster than the
   Python `jsonschema` package (whose `$dynamicRef` resolution made validation 2/3 of a generation);
2. openapi-spec-validator's semantic rules (path parameters declared, defaults valid, ...), with
   its per-schema meta check routed to the same fast validator and `$ref`s to other spec files
   served from the documents already parsed (it would otherwise re-read and re-parse each file,
   and it may not fetch anything over the network).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import jsonschema_rs
from openapi_spec_validator import OpenAPIV31SpecValidator
from openapi_spec_validator.validation import keywords
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from .structure_parts import Parts


@dataclass(frozen=True)
class Problem:
    """One structure problem: where in the document (keys and indexes) and what is wrong."""

    path: tuple[str | int, ...]
    message: str
    instance: Any = None


def _resource(package: str, *parts: str) -> dict[str, Any]:
    return json.loads(files(package).joinpath(*parts).read_text(encoding="utf-8"))


@cache
def _document_validator() -> jsonschema_rs.Validator:
    return jsonschema_rs.Draft202012Validator(
        _resource("openapi_spec_validator", "resources", "schemas", "v3.1", "schema.json")
    )


@cache
def _schema_validator() -> jsonschema_rs.Validator:
    dialect = _resource("openapi_schema_validator", "schemas", "oas3.1", "metaschema.json")
    vocabulary = _resource("openapi_schema_validator", "schemas", "oas3.1", "vocabularies", "base")
    registry = jsonschema_rs.Registry([(dialect["$id"], dialect), (vocabulary["$id"], vocabulary)])
    return jsonschema_rs.Draft202012Validator(dialect, registry=registry, validate_formats=True)


class _FastSchemaRules(keywords.OpenAPIV31SchemaValidator):
    """openapi-spec-validator's Schema Object rules, with the dialect check done by jsonschema-rs."""

    def _validate_schema_meta(self, schema: Any, schema_value: Any) -> OpenAPIValidationError | None:
        if isinstance(schema_value, Mapping) and "$schema" in schema_value:  # another dialect: the slow path
            return super()._validate_schema_meta(schema, schema_value)
        for error in _schema_validator().iter_errors(schema_value):
            return OpenAPIValidationError(
                error.message, path=(*schema.parts, *error.instance_path), instance=error.instance
            )
        return None

    def __call__(self, schema: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        for error in super().__call__(schema, *args, **kwargs):
            if not error.path:  # a bad default or `required` list: the schema's own location
                error.path.extend(schema.parts)
            yield error


class _SomePaths(keywords.PathsValidator):
    """Walks only the path items named (the others passed as they are)."""

    def __init__(self, registry: Any, urls: frozenset[str]) -> None:
        super().__init__(registry)
        self.urls = urls

    def __call__(self, paths: Any) -> Iterator[Any]:
        for url, path_item in paths.items():
            if str(url) in self.urls:
                yield from self.path_validator(url, path_item)


class _SomeSchemas(keywords.SchemasValidator):
    """Walks only the component schemas named."""

    def __init__(self, registry: Any, names: frozenset[str]) -> None:
        super().__init__(registry)
        self.names = names

    def __call__(self, schemas: Any) -> Iterator[Any]:
        for name, schema in schemas.items():
            if str(name) in self.names:
                yield from self.schema_validator(schema)


class _SemanticRules(OpenAPIV31SpecValidator):
    keyword_validators = {**OpenAPIV31SpecValidator.keyword_validators, "schema": _FastSchemaRules}

    def __init__(
        self, document: dict[str, Any], uri: str, documents: Callable[[str], Any], parts: Parts | None = None
    ) -> None:
        self.resolver_handlers = {"file": documents}  # and no other scheme: nothing is fetched
        super().__init__(document, base_uri=uri)
        if parts is not None:  # the registry makes each keyword's validator when first asked; these come first
            registry = self.keyword_validators_registry
            registry["paths"] = _SomePaths(registry, parts.paths)
            registry["schemas"] = _SomeSchemas(registry, parts.schemas)


def check_document(
    document: dict[str, Any], uri: str, documents: Callable[[str], Any], parts: Parts | None = None
) -> Iterator[Problem]:
    """Problems of one plain (dict/list) OpenAPI document at `uri`; `documents(uri)` returns the
    plain document of another spec file that it refers to. With `parts`, the semantic rules walk only
    those path items and component schemas."""
    found = False
    for error in _document_validator().iter_errors(document):
        found = True
        yield Problem(tuple(error.instance_path), error.message, error.instance)
    if found:  # the semantic rules assume a well-formed document
        return
    validator = _SemanticRules(document, uri, documents, parts)
    for error in validator.root_validator(validator.schema_path):
        yield Problem(tuple(getattr(error, "path", ()) or ()), error.message, getattr(error, "instance", None))
