"""Reading Capillary's status envelopes out of decoded JSON bodies.

- v1.1 wraps everything in `response`: `response.status` is the request-level result
  (`success`, `code`, `message`, on batches `total`/`success_count`), and each item of a batch carries
  its own `item_status`. `success` is a string (`"true"`/`"false"`) or a boolean, codes are strings or
  integers.
- v2/v3 report failures as `errors: [{code, message}]` (v3 next to `data`).

Nothing here does I/O; the client uses it to build errors and to decide whether a v1.1 answer with
`success: false` is a failure (no item succeeded) or a partial success returned to the caller.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["EnvelopeStatus", "ErrorDetails", "ItemStatus", "extract_error", "read_v11_envelope"]

_MAX_DEPTH = 16


def parse_flag(value: Any) -> bool | None:
    """`true`/`"true"`/`"1"` -> True, `false`/`"false"`/`"0"` -> False, anything else -> None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
    if isinstance(value, int):
        return bool(value)
    return None


def parse_code(value: Any) -> int | str | None:
    """A Capillary code as int when it is numeric (`"8015"` -> 8015), else as given."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text


def _parse_count(value: Any) -> int | None:
    code = parse_code(value)
    return code if isinstance(code, int) else None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class ItemStatus:
    """One `item_status` of a v1.1 response."""

    success: bool | None
    code: int | str | None
    message: str | None
    location: tuple[str | int, ...]
    """Path of the item inside `response`, e.g. `("customers", "customer", 0)`."""


@dataclass(frozen=True, slots=True)
class EnvelopeStatus:
    """Request-level `response.status` of a v1.1 response plus every item's status."""

    success: bool | None
    code: int | str | None
    message: str | None
    total: int | None
    success_count: int | None
    items: tuple[ItemStatus, ...]

    @property
    def failed_items(self) -> tuple[ItemStatus, ...]:
        return tuple(item for item in self.items if item.success is not True)

    @property
    def succeeded_items(self) -> tuple[ItemStatus, ...]:
        return tuple(item for item in self.items if item.success is True)

    @property
    def all_failed(self) -> bool:
        """True when the request reported failure and nothing in it succeeded.

        Decided by the item statuses when there are any, else by `success_count`, else by the
        request-level code (201 means "some requests have failed", so something succeeded).
        """
        if self.success is not False:
            return False
        if self.items:
            return not self.succeeded_items
        if self.success_count is not None:
            return self.success_count == 0
        return self.code != 201

    @property
    def partial(self) -> bool:
        """True when the request reported failure but some items succeeded."""
        return self.success is False and not self.all_failed


_CONTAINERS = (dict, list)
# A `\u` escape of one of the letters of `item_status` (i t e m _ s a u): a key spelled that way
# decodes to `item_status` without the bytes saying so.
_ESCAPED_NAME_LETTER = re.compile(rb"\\u00(?:5[fF]|6[159dD]|7[345])")


def _collect_items(
    node: Any,
    location: tuple[str | int, ...],
    out: list[ItemStatus],
    depth: int,
    tree: Mapping[str, Any] | None = None,
) -> None:
    """Add every `item_status` under `node` to `out`, in document order; with `tree`
    (`Operation.item_status_tree`), only those down its keys.

    Runs over every v1.1 response. Decoded JSON (or XML) is plain dicts and lists: checking for
    those, not the Mapping ABC, and descending only into non-empty ones keeps it cheap."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(node, dict):
        status = node.get("item_status")
        if isinstance(status, dict):
            out.append(
                ItemStatus(
                    success=parse_flag(status.get("success")),
                    code=parse_code(status.get("code")),
                    message=_text(status.get("message")),
                    location=location,
                )
            )
        if tree is None or tree:  # an empty tree: nothing documented below this object
            for key, value in node.items():
                if key == "item_status" or not value or not isinstance(value, _CONTAINERS):
                    continue
                subtree = None if tree is None else tree.get(key)
                if tree is None or subtree is not None:
                    _collect_items(value, (*location, str(key)), out, depth + 1, subtree)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if value and isinstance(value, _CONTAINERS):
                _collect_items(value, (*location, index), out, depth + 1, tree)


def _all_items_found(content: bytes, found: int) -> bool:
    """True when the JSON `content` cannot hold an `item_status` beyond the `found` ones: it does not
    spell the name more often. A value or a longer key containing the name makes it False (the
    whole body is walked), and so does anything that hides the name from a byte count: UTF-16/32
    (NUL bytes) and `\\u` escapes of its letters."""
    if content.count(b"item_status") != found or b"\x00" in content:
        return False
    # Looking for one byte is much cheaper than for the escape; most bodies have no backslash at all.
    return b"\\" not in content or not _ESCAPED_NAME_LETTER.search(content)


def read_v11_envelope(
    body: Any, *, documented: Mapping[str, Any] | None = None, content: bytes | None = None
) -> EnvelopeStatus | None:
    """The envelope of a decoded v1.1 body, or None when it has no `status` object.

    Given the raw JSON `content` the body was decoded from, the item statuses are looked for only
    where `documented` (the operation's `item_status_tree`) says the spec puts them, and the whole
    body is walked only when `content` shows there may be others.
    """
    if not isinstance(body, Mapping):
        return None
    root = body.get("response", body)
    if not isinstance(root, Mapping):
        return None
    status = root.get("status")
    if not isinstance(status, Mapping):
        # A few calls (the store log upload) put success/code/message directly in `response`.
        if root is body or "success" not in root:
            return None
        status = root
    items: list[ItemStatus] = []
    if content is None:
        _collect_items(root, (), items, 0)
    else:
        _collect_items(root, (), items, 0, documented or {})
        if not _all_items_found(content, len(items)):
            items.clear()
            _collect_items(root, (), items, 0)
    return EnvelopeStatus(
        success=parse_flag(status.get("success")),
        code=parse_code(status.get("code")),
        message=_text(status.get("message")),
        total=_parse_count(status.get("total")),
        success_count=_parse_count(status.get("success_count")),
        items=tuple(items),
    )


@dataclass(frozen=True, slots=True)
class ErrorDetails:
    """Capillary's own account of a failure, as found in an error body."""

    code: int | str | None = None
    message: str | None = None
    errors: tuple[Mapping[str, Any], ...] = ()
    """Every error entry: v2/v3 `errors[]`, v1.1 failed `item_status` objects."""


def _error_entries(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list):
        return [entry for entry in value if isinstance(entry, Mapping)]
    return []


def extract_error(api: str, body: Any) -> ErrorDetails:
    """Code, message and error list of an error body, whatever shape it has."""
    if not isinstance(body, Mapping):
        return ErrorDetails()
    if api == "v1.1":
        envelope = read_v11_envelope(body)
        if envelope is not None:
            failed = tuple(
                {"code": item.code, "message": item.message, "location": list(item.location)}
                for item in envelope.failed_items
            )
            first = failed[0] if failed else None
            # The item code says what went wrong; the request-level one only that something did.
            if first is not None and first["code"] is not None:
                return ErrorDetails(first["code"], first["message"] or envelope.message, failed)
            return ErrorDetails(envelope.code, envelope.message, failed)
    entries = _error_entries(body.get("errors"))
    if entries:
        first = entries[0]
        return ErrorDetails(parse_code(first.get("code")), _text(first.get("message")), tuple(entries))
    status = body.get("status")
    if isinstance(status, Mapping) and ("code" in status or "message" in status):
        return ErrorDetails(parse_code(status.get("code")), _text(status.get("message")))
    message = body.get("message") or body.get("error_description") or body.get("error")
    return ErrorDetails(parse_code(body.get("code")), _text(message) if message else None)
