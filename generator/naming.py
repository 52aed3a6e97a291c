"""How spec names become Python names: decided here once, used by the IR build only."""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata
from functools import cache

# Attributes of pydantic's BaseModel and of our CapillaryModel: a field with one of these names
# would shadow a method the client relies on.
RESERVED_MODEL_ATTRIBUTES = frozenset(
    {
        "copy",
        "dict",
        "json",
        "schema",
        "schema_json",
        "construct",
        "validate",
        "parse_obj",
        "parse_raw",
        "parse_file",
        "from_orm",
        "update_forward_refs",
        "fields",
        "request_id",
        "response_meta",
    }
)
# Names the generated annotations use: an attribute or argument with one of these names would
# shadow it where pydantic evaluates the annotations.
ANNOTATION_NAMES = frozenset({"str", "int", "float", "bool", "list", "dict", "lenient_enum"})
# Keyword arguments every generated method has besides its parameters.
RESERVED_ARGUMENTS = frozenset({"self", "body", "request_options"}) | ANNOTATION_NAMES

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^0-9a-zA-Z_]+")

_BUILTIN_NAMES = frozenset(dir(builtins))


@cache  # the same few thousand names are split again and again while the IR is built
def _ascii_words(name: str) -> tuple[str, ...]:
    """Split a wire name into words: camelCase humps, separators, digits stay with their word."""
    if name.isascii():  # nearly every name: the same result as below, without the per-letter work
        text = _NON_WORD.sub(" ", name)
    else:
        text = unicodedata.normalize("NFKD", name)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
        # Keep letters Python accepts in identifiers; anything else separates words.
        text = "".join(
            ch if (ch.isascii() and (ch.isalnum() or ch == "_")) or ch.isidentifier() else " " for ch in text
        )
    words: list[str] = []
    for chunk in re.split(r"[\s_]+", text):
        if chunk:
            words.extend(w for w in _WORD_BOUNDARY.split(chunk) if w)
    return tuple(words)


def snake_case(name: str) -> str:
    """`firstName` -> `first_name`, `Favorite Color` -> `favorite_color`, `userID` -> `user_id`."""
    return "_".join(w.lower() for w in _ascii_words(name))


def pascal_case(name: str) -> str:
    """`customer_lookup` -> `CustomerLookup`, `item-status` -> `ItemStatus`; keeps inner capitals."""
    return "".join(w[:1].upper() + w[1:] for w in _ascii_words(name))


def _safe(name: str, prefix: str) -> str:
    if not name:
        name = prefix.rstrip("_") or "value"
    if name[0].isdigit():
        name = prefix + name
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name += "_"
    return name


def attribute_name(wire: str) -> str:
    """Python attribute for a model field."""
    name = _safe(snake_case(wire), "field_")
    if name in RESERVED_MODEL_ATTRIBUTES | ANNOTATION_NAMES or name.startswith("model_") or name.startswith("_"):
        name = name.lstrip("_") + "_"
    return name


def argument_name(wire: str) -> str:
    """Python keyword argument for an operation parameter."""
    name = _safe(snake_case(wire), "param_")
    if name in RESERVED_ARGUMENTS or name.startswith("_"):
        name = name.lstrip("_") + "_"
    return name


def class_name(name: str) -> str:
    """Python class name for a schema or enum."""
    name = _safe(pascal_case(name), "Model")
    if name in _BUILTIN_NAMES:
        name += "Model"
    return name


def enum_member_name(value: object) -> str:
    """Enum member for a wire value: `INSTORE` -> `INSTORE`, `in-store` -> `IN_STORE`, `""` -> `EMPTY`."""
    if value is None:
        return "NONE"
    text = str(value)
    if text == "":
        return "EMPTY"
    name = snake_case(text).upper()
    if not name:
        name = "VALUE_" + "_".join(f"{ord(ch):X}" for ch in text)
    return _safe(name, "VALUE_")


def method_name(operation_id: str, resource_stem: str) -> str:
    """Method under its resource: `registerCustomer` under `customers` -> `register`."""
    words = [w.lower() for w in _ascii_words(operation_id)]
    resource_words = {w.lower() for w in _ascii_words(resource_stem)}
    resource_words |= {_singular(w) for w in resource_words}
    kept = [w for w in words if w not in resource_words] or words
    return _safe("_".join(kept), "op_")


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def module_name(name: str) -> str:
    """Python module for a version or resource stem: `v1.1` -> `v1_1`."""
    return _safe(snake_case(name.replace(".", "_")), "m_")


def is_identifier(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name)
