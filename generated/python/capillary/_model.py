"""Base class of every generated model, lenient enums, and the two validation modes.

Models are validated in one of two modes, chosen through pydantic's validation *context*:

- **lenient** (`RESPONSE_CONTEXT`): how the client parses what the API sends back. Unknown fields are
  kept (`model_extra`), unknown enum values are accepted as plain `str`. A response never fails to
  parse because Capillary added a field or an enum value.
- **strict** (no context): everything the caller builds — models constructed by hand, request bodies
  given as dicts, parameters. Unknown keys and unknown enum values raise a precise validation error
  before anything is sent.
"""

from __future__ import annotations

import difflib
import enum
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, TypeVar

from pydantic import (
    AliasChoices,
    AliasPath,
    BaseModel,
    ConfigDict,
    PlainValidator,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic.errors import PydanticUserError
from pydantic_core import PydanticCustomError, SchemaError, SchemaValidator

if TYPE_CHECKING:
    import httpx

    from ._envelope import EnvelopeStatus

__all__ = [
    "RESPONSE_CONTEXT",
    "CapillaryModel",
    "ResponseMeta",
    "dump_request_body",
    "is_lenient",
    "lenient_enum",
    "response_validator",
]

LENIENT_KEY: Final = "capillary.lenient"
RESPONSE_CONTEXT: Final[Mapping[str, Any]] = MappingProxyType({LENIENT_KEY: True})
"""Validation context for data received from the API: `Model.model_validate(data, context=RESPONSE_CONTEXT)`."""

E = TypeVar("E", bound=enum.Enum)
_T = TypeVar("_T")


def is_lenient(info: ValidationInfo) -> bool:
    """True when the value is being validated as API response data."""
    context = info.context
    # Runs for every model instance: the common cases first, the ABC isinstance check (microseconds) last.
    if context is RESPONSE_CONTEXT:
        return True
    if context is None:
        return False
    return isinstance(context, Mapping) and bool(context.get(LENIENT_KEY))


def lenient_enum(enum_cls: type[E]) -> PlainValidator:
    """Validator for `Annotated[MyEnum | str, lenient_enum(MyEnum)]`.

    Known values become enum members. An unknown value is kept as a plain `str` when parsing a
    response, and rejected everywhere else (request parameters, bodies, hand-built models).
    """
    expected = ", ".join(repr(member.value) for member in enum_cls)

    def validate(value: Any, info: ValidationInfo) -> E | str:
        if isinstance(value, enum_cls):
            return value
        try:
            return enum_cls(value)
        except (ValueError, TypeError):
            pass
        if (
            is_lenient(info)
            and isinstance(value, (str, int, float))
            and not isinstance(value, bool)
        ):
            return str(value)
        raise PydanticCustomError(
            "enum",
            "Input should be one of {expected} ({enum})",
            {"expected": expected, "enum": enum_cls.__name__},
        )

    return PlainValidator(validate, json_schema_input_type=enum_cls | str)


@dataclass(frozen=True, slots=True)
class ResponseMeta:
    """What the HTTP exchange said about a parsed response."""

    request_id: str | None
    """Value of the `X-Cap-Requestid` response header: quote it to Capillary support."""
    status_code: int
    operation_id: str
    headers: httpx.Headers = field(repr=False)
    attempts: int = 1
    """How many times the request was sent (1 + retries + a replay after a token refresh)."""
    envelope: EnvelopeStatus | None = None
    """v1.1 only: request-level `response.status` and every item's `item_status`."""


_ACCEPTED_KEYS: dict[type, frozenset[str]] = {}


def _accepted_keys(model: type[BaseModel]) -> frozenset[str]:
    """Field names and every alias a model accepts as input keys (cached per class)."""
    keys = _ACCEPTED_KEYS.get(model)
    if keys is None:
        names: set[str] = set()
        for name, info in model.model_fields.items():
            names.add(name)
            if info.alias:
                names.add(info.alias)
            alias = info.validation_alias
            choices = alias.choices if isinstance(alias, AliasChoices) else [alias]
            for choice in choices:
                if isinstance(choice, str):
                    names.add(choice)
                elif isinstance(choice, AliasPath) and isinstance(choice.path[0], str):
                    names.add(choice.path[0])
        keys = _ACCEPTED_KEYS[model] = frozenset(names)
    return keys


def _unknown_keys_message(model: type[BaseModel], unknown: list[str]) -> str:
    accepted = sorted(_accepted_keys(model))
    parts = []
    for key in unknown:
        close = difflib.get_close_matches(key, accepted, n=1)
        parts.append(
            f"{key!r} (did you mean {_describe(model, close[0])}?)" if close else repr(key)
        )
    return (
        f"Unknown field{'s' if len(unknown) > 1 else ''} for {model.__name__}: {', '.join(parts)}"
    )


def _describe(model: type[BaseModel], key: str) -> str:
    """`'firstName' (first_name)` for a field with an alias, `'mobile'` for one without."""
    for name, info in model.model_fields.items():
        if key in (name, info.alias) and info.alias and info.alias != name:
            return f"{info.alias!r} ({name})"
    return repr(key)


class _ResponseMetaAccess:
    """`request_id` and `response_meta` of whatever a response was parsed into (the client sets
    `_response_meta` on the top-level result only)."""

    __slots__ = ()
    _response_meta: ResponseMeta | None

    @property
    def request_id(self) -> str | None:
        """`X-Cap-Requestid` of the response this was parsed from (None if built by hand)."""
        meta = self.response_meta
        return meta.request_id if meta is not None else None

    @property
    def response_meta(self) -> ResponseMeta | None:
        """Status, headers, request id and (v1.1) envelope status of the response, if any."""
        return getattr(self, "_response_meta", None)


class CapillaryModel(_ResponseMetaAccess, BaseModel):
    """Base of every generated request and response model.

    Attributes are snake_case; the wire names are aliases, and either may be used as input.
    Every parsed response carries `request_id` and `response_meta`.
    """

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    # A slot, not a pydantic PrivateAttr: private attributes make pydantic initialise them on every
    # instance, nested ones included, which cost ~40% of parsing a large response.
    __slots__ = ("_response_meta",)

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any, info: ValidationInfo) -> Any:
        if is_lenient(info) or not (type(data) is dict or isinstance(data, Mapping)):
            return data
        accepted = _accepted_keys(cls)
        unknown = [str(key) for key in data if key not in accepted]
        if unknown:
            raise PydanticCustomError(
                "unknown_field", "{detail}", {"detail": _unknown_keys_message(cls, unknown)}
            )
        return data


class ResponseList(_ResponseMetaAccess, list):  # type: ignore[type-arg]
    """A response whose body is a JSON array: a list of models that also carries `request_id`."""

    _response_meta: ResponseMeta | None = None


_UNKNOWN_KEY_CHECK: Final = CapillaryModel.__dict__["_reject_unknown_keys"].__func__

_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}
_PARAM_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}
_RESPONSE_VALIDATORS: dict[Any, SchemaValidator] = {}
_BUILD_LOCK = threading.Lock()


def _cached(cache: dict[Any, _T], annotation: Any, make: Callable[[Any], _T]) -> _T:
    """`make(annotation)`, kept in `cache` by the annotation; made each time for an unhashable one."""
    try:
        return cache[annotation]
    except KeyError:
        pass
    except TypeError:
        return make(annotation)
    made = cache[annotation] = make(annotation)
    return made


def type_adapter(annotation: Any) -> TypeAdapter[Any]:
    """A cached `TypeAdapter` for a body or response annotation."""
    return _cached(_ADAPTERS, annotation, TypeAdapter)


def response_validator(annotation: Any) -> SchemaValidator:
    """A cached validator for response bodies of type `annotation`, to call with `RESPONSE_CONTEXT`.

    It is the type adapter's validator minus `_reject_unknown_keys`: that check does nothing on
    lenient data, but pydantic calls it once per model instance (a v1.1 customer has 20), which
    costs about a quarter of parsing a response.
    """
    return _cached(_RESPONSE_VALIDATORS, annotation, _without_unknown_key_checks)


def _without_unknown_key_checks(annotation: Any) -> SchemaValidator:
    adapter = type_adapter(annotation)
    models: set[type[BaseModel]] = set()
    schema = _strip_unknown_key_checks(adapter.core_schema, models)
    if not models:
        return adapter.validator  # type: ignore[return-value]
    # pydantic-core builds the `model` schema of a complete class from that class's own validator,
    # check included. Marked incomplete while this validator is built (as pydantic's `model_rebuild`
    # does for the same reason), each model is built afresh from the stripped schema. The lock keeps
    # two builds from restoring each other's flags.
    with _BUILD_LOCK:
        complete = {model: model.__dict__.get("__pydantic_complete__") for model in models}
        try:
            for model in models:
                model.__pydantic_complete__ = False
            return SchemaValidator(schema)
        except SchemaError:  # never seen; the adapter's own validator parses the same, only slower
            return adapter.validator  # type: ignore[return-value]
        finally:
            for model, flag in complete.items():
                model.__pydantic_complete__ = flag


def _strip_unknown_key_checks(schema: Any, models: set[type[BaseModel]]) -> Any:
    """A copy of a core schema without the `_reject_unknown_keys` wrappers; `models` receives the
    classes of its `model` schemas."""
    if isinstance(schema, list):
        return [_strip_unknown_key_checks(item, models) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if schema.get("type") == "function-before":
        function = schema.get("function") or {}
        if getattr(function.get("function"), "__func__", None) is _UNKNOWN_KEY_CHECK:
            return _strip_unknown_key_checks(schema["schema"], models)
    if schema.get("type") == "model":
        models.add(schema["cls"])
    return {key: _strip_unknown_key_checks(value, models) for key, value in schema.items()}


def param_adapter(annotation: Any) -> TypeAdapter[Any]:
    """A cached `TypeAdapter` for a parameter: numbers are accepted where a string is expected
    (`identifier_value=919111111111`)."""
    return _cached(_PARAM_ADAPTERS, annotation, _new_param_adapter)


def _new_param_adapter(annotation: Any) -> TypeAdapter[Any]:
    try:
        return TypeAdapter(annotation, config=ConfigDict(coerce_numbers_to_str=True))
    except PydanticUserError:  # types with their own config (models, TypedDicts) refuse one
        return TypeAdapter(annotation)


def validation_problems(
    exc: ValidationError, prefix: tuple[str | int, ...] = ()
) -> list[dict[str, Any]]:
    """A ValidationError's problems as `{"loc", "msg", "type"}`, without the offending input values
    (they may be personal data or secrets)."""
    return [
        {"loc": (*prefix, *error["loc"]), "msg": error["msg"], "type": error["type"]}
        for error in exc.errors(include_url=False, include_input=False, include_context=False)
    ]


def problems_text(problems: list[dict[str, Any]], root: str, *, limit: int) -> str:
    """`loc.path: message; ...` for the first `limit` problems (`root` names an empty location)."""
    return "; ".join(
        f"{'.'.join(str(part) for part in p['loc']) or root}: {p['msg']}" for p in problems[:limit]
    )


def dump_request_body(annotation: Any, value: Any) -> bytes:
    """JSON of a validated request body: wire names, JSON types, only the fields the caller set."""
    return type_adapter(annotation).dump_json(value, by_alias=True, exclude_unset=True)


def dump_form_fields(annotation: Any, value: Any) -> dict[str, Any]:
    """Fields of a validated multipart body by wire name, files kept as `File` objects."""
    return type_adapter(annotation).dump_python(value, by_alias=True, exclude_unset=True)
