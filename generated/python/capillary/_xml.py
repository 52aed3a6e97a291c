"""v1.1 XML responses, read into the same shape as v1.1 JSON.

The v1.1 API answers XML when asked (`format="xml"`; the client asks for JSON unless the caller passes
`format`). Such a body is parsed with `defusedxml`, which refuses any DTD: no external entity (XXE),
no entity expansion ("billion laughs"), no external DTD is ever fetched or expanded. A refused or
malformed body raises `XMLBodyError`, which the client turns into `APIResponseValidationError`.

The element tree becomes JSON-like data: the root element is the top-level key
(`{"response": {...}}`), child elements become keys, repeated sibling tags become lists, text-only
elements become strings (`""` when empty), attributes become keys too.

XML cannot tell one item from a one-item list, nor a number from a string, so `fit()` then walks the
response model: where a field declares a list (and only a list) but the XML gave one object or string,
it is wrapped in a one-element list; where a field accepts both a number and a string (`int | str`),
canonical numeric text becomes the number, as the JSON answer would have it; an empty element where
the field accepts neither text nor a string becomes None.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Final, Union

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["XMLBodyError", "fit", "is_xml_content_type", "parse_xml"]

_INT: Final = re.compile(r"-?(0|[1-9][0-9]*)")
_FLOAT: Final = re.compile(r"-?(0|[1-9][0-9]*)\.[0-9]+")
_MAX_DEPTH: Final = 64


class XMLBodyError(ValueError):
    """An XML body that is malformed, or that declares a DTD or entities (refused, never expanded)."""


def is_xml_content_type(content_type: str | None) -> bool:
    """`application/xml`, `text/xml`, `application/problem+xml` ..."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media.endswith("/xml") or media.endswith("+xml")


def parse_xml(content: bytes) -> dict[str, Any]:
    """`{root_tag: converted root}`; raises `XMLBodyError`."""
    # Imported on the first XML body, not with the client: few callers ask for XML, and the parser
    # stack costs ~7 ms of every process start.
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        root = fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        refused = type(exc).__name__
        raise XMLBodyError(
            f"the XML body declares a DTD or entities, which are refused ({refused})"
        ) from None
    except ParseError as exc:
        raise XMLBodyError(f"the body is not well-formed XML ({exc})") from None
    return {_local(root.tag): _convert(root, 0)}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _convert(element: Any, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise XMLBodyError(f"the XML body is nested deeper than {_MAX_DEPTH} levels")
    children = list(element)
    if not children and not element.attrib:
        return element.text or ""
    data: dict[str, Any] = {_local(name): value for name, value in element.attrib.items()}
    for child in children:
        key, value = _local(child.tag), _convert(child, depth + 1)
        if key not in data:
            data[key] = value
        elif isinstance(data[key], list):  # only repetition makes lists
            data[key].append(value)
        else:
            data[key] = [data[key], value]
    text = (element.text or "").strip()
    if text:
        data["#text"] = text
    return data


# --- fitting the converted data to the response model ----------------------------------------------


def _alternatives(annotation: Any) -> list[Any]:
    """The types a field accepts: `Annotated` unwrapped, unions flattened."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _alternatives(typing.get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [alt for arg in typing.get_args(annotation) for alt in _alternatives(arg)]
    return [annotation]


def _is_list(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (list, tuple, set, frozenset) or annotation in (
        list,
        tuple,
    )


def _is_model(annotation: Any) -> bool:
    # Imported here: `pydantic.BaseModel` loads pydantic's model machinery, which `import capillary`
    # defers; fitting runs on a parsed response, when the models are loaded already.
    from pydantic import BaseModel

    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _item_type(annotation: Any) -> Any:
    args = typing.get_args(annotation)
    return args[0] if args else Any


def fit(data: Any, annotation: Any) -> Any:
    """`data` converted from XML, adjusted to what `annotation` declares (see the module docs)."""
    alternatives = _alternatives(annotation)
    if Any in alternatives or annotation is object:
        return data
    concrete = [alt for alt in alternatives if alt is not type(None)]
    lists = [alt for alt in concrete if _is_list(alt)]
    if lists and not isinstance(data, list) and len(lists) == len(concrete) and data != "":
        data = [data]
    if isinstance(data, list):
        if lists:
            return [fit(item, _item_type(lists[0])) for item in data]
        return data
    if isinstance(data, Mapping):
        models = [alt for alt in concrete if _is_model(alt)]
        if models:
            return _fit_model(data, models[0])
        mappings = [alt for alt in concrete if typing.get_origin(alt) in (dict, Mapping)]
        if mappings:
            value_type = typing.get_args(mappings[0])[1] if typing.get_args(mappings[0]) else Any
            return {key: fit(value, value_type) for key, value in data.items()}
        return data
    if isinstance(data, str):
        return _fit_text(data, concrete, none_ok=type(None) in alternatives)
    return data


def _fit_text(text: str, concrete: list[Any], *, none_ok: bool) -> Any:
    if str not in concrete:
        if text == "" and none_ok and not any(alt in (int, float, bool) for alt in concrete):
            return None  # an empty element for a model or list field
        return text  # pydantic converts text for int, float, bool, enum ... fields itself
    if int in concrete and _INT.fullmatch(text):
        return int(text)
    if float in concrete and (_INT.fullmatch(text) or _FLOAT.fullmatch(text)):
        return float(text) if "." in text else int(text)
    return text


def _fit_model(data: Mapping[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    by_key: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        by_key[name] = info.annotation
        if info.alias:
            by_key[info.alias] = info.annotation
    return {key: fit(value, by_key[key]) if key in by_key else value for key, value in data.items()}
