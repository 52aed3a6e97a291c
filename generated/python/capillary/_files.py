"""Files sent in `multipart/form-data` request bodies, and the encoding of such bodies.

A file field accepts a `File`, raw `bytes`, a binary file object or a filesystem path
(`pathlib.Path`). Everything is read into memory while the request is prepared, so a retried
request sends the same bytes again and a bad path fails before anything is sent. A plain `str` is
refused: it could be meant as a path or as the content, and guessing wrong would upload the
wrong thing.
"""

from __future__ import annotations

import datetime
import enum
import json
import mimetypes
import os
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Annotated, Any

import httpx
from pydantic import PlainValidator

DEFAULT_CONTENT_TYPE = "application/octet-stream"
DEFAULT_FILENAME = "upload"


class File:
    """The content of an uploaded file with the name and media type it is sent under."""

    __slots__ = ("content", "filename", "content_type")

    def __init__(
        self, content: bytes, filename: str = DEFAULT_FILENAME, content_type: str | None = None
    ) -> None:
        if not isinstance(content, (bytes, bytearray, memoryview)):
            raise TypeError(f"File content must be bytes, not {type(content).__name__}")
        self.content = bytes(content)
        self.filename = filename
        self.content_type = (
            content_type or mimetypes.guess_type(filename)[0] or DEFAULT_CONTENT_TYPE
        )

    @classmethod
    def from_path(cls, path: str | os.PathLike[str], content_type: str | None = None) -> File:
        """Read the file at `path`; it is sent under its own name."""
        path = Path(path)
        return cls(path.read_bytes(), path.name, content_type)

    def __repr__(self) -> str:
        # The content may be large or private: its size is enough to tell files apart.
        return f"File(filename={self.filename!r}, content_type={self.content_type!r}, size={len(self.content)})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, File):
            return NotImplemented
        return (self.content, self.filename, self.content_type) == (
            other.content,
            other.filename,
            other.content_type,
        )

    __hash__ = None  # type: ignore[assignment]  # mutable-looking value object; equality by content


def to_file(value: Any) -> File:
    """Accept what a file field may be given; refuse anything ambiguous."""
    if isinstance(value, File):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return File(bytes(value))
    if isinstance(value, os.PathLike):
        try:
            return File.from_path(value)
        except OSError as exc:
            raise ValueError(f"cannot read {os.fspath(value)!r}: {exc.strerror or exc}") from None
    if isinstance(value, str):
        raise ValueError(
            "a str is ambiguous here: pass pathlib.Path(...) for a file on disk, or bytes"
        )
    read = getattr(value, "read", None)
    if callable(read):
        content = read()
        if not isinstance(content, (bytes, bytearray)):
            raise ValueError("the file object must be opened in binary mode ('rb')")
        name = getattr(value, "name", None)
        return File(
            bytes(content), os.path.basename(name) if isinstance(name, str) else DEFAULT_FILENAME
        )
    raise ValueError(
        f"expected File, bytes, a binary file object or a path, not {type(value).__name__}"
    )


FileInput = File | bytes | IO[bytes] | os.PathLike
"""What a file field of a request body accepts."""
FileField = Annotated[FileInput, PlainValidator(to_file)]
"""A file field of a generated request model: validated into a `File`."""


def encode_multipart(fields: Mapping[str, Any]) -> tuple[bytes, str]:
    """`(body, content type with boundary)` for already-validated form fields (wire names).

    Files become file parts; lists repeat their field; objects are sent as JSON text, other values as
    text, booleans as `true`/`false` like query parameters.
    """
    data: dict[str, list[str]] = {}
    files: list[tuple[str, tuple[str, bytes, str]]] = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, File):
                files.append((name, (item.filename, item.content, item.content_type)))
            elif item is not None:
                data.setdefault(name, []).append(_form_text(item))
    # httpx builds the parts and picks the boundary; reading the request once fixes the bytes.
    request = httpx.Request("POST", "http://multipart.invalid/", data=data or None, files=files)
    return request.read(), request.headers["Content-Type"]


def _form_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, (dict, list)):
        # A structured field travels as JSON text in its part.
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json_default)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be sent in a form field")
