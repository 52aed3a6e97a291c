"""Render the IR through the Jinja2 templates into an in-memory map of output files."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import textwrap
from collections.abc import Callable, Iterable
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import jinja2

from . import ir
from .docs.text import markdown, markdown_inline, md_cell, md_text
from .errors import GeneratorBug
from .memo import Pieces, add_files

PACKAGE_VERSION = "0.1.0"
DOCSTRING_WIDTH = 92


def pyrepr(value: Any) -> str:
    """A Python literal for a str, number, bool, None, tuple or dict from the spec."""
    return repr(value)


def docstring(text: Any) -> str:
    """Text made safe inside a triple-quoted docstring: backslashes doubled, quotes at the end
    escaped (they would run into the closing quotes), then any remaining triple quote escaped."""
    text = str(text or "").strip().replace("\\", "\\\\")
    trailing = len(text) - len(text.rstrip('"'))
    if trailing:
        text = text[:-trailing] + '\\"' * trailing
    return text.replace('"""', '\\"\\"\\"')


def _docstring_block(lines: list[str], indent: int) -> str:
    """Lines joined into escaped docstring text whose continuation lines sit at `indent` (blank
    lines stay empty)."""
    pad = " " * indent
    return docstring("\n".join(lines)).replace("\n", "\n" + pad).replace("\n" + pad + "\n", "\n\n")


def wrapdoc(text: Any, indent: int = 0) -> str:
    """Docstring text wrapped to the line length, continuation lines indented for the block."""
    return _docstring_block(_wrap(str(text or "").strip(), DOCSTRING_WIDTH - indent), indent)


def field_declaration(field: ir.Field) -> str:
    """`name: type`, with `= Field(...)` for a default (optional fields) or a differing wire name."""
    arguments = [] if field.required else ["default=None"]
    if field.wire != field.name:
        arguments.append(f"alias={field.wire!r}")
    declaration = f"{field.name}: {field_annotation(field)}"
    if arguments == ["default=None"]:
        return f"{declaration} = None"
    return f"{declaration} = Field({', '.join(arguments)})" if arguments else declaration


def first_line(text: Any) -> str:
    text = str(text or "").strip()
    first = text.split("\n\n", 1)[0].replace("\n", " ")
    sentence = re.split(r"(?<=\.)\s", first, maxsplit=1)[0]
    return sentence.rstrip(".")


def _wrap(text: str, width: int = DOCSTRING_WIDTH, indent: str = "") -> list[str]:
    """Wrap prose line by line, keeping list items, tables and blank lines as they are."""
    lines: list[str] = []
    for raw in text.strip().splitlines():
        if not raw.strip() or raw.lstrip().startswith("|") or len(raw) + len(indent) <= width:
            lines.append(indent + raw if raw.strip() else "")
            continue
        bullet = re.match(r"\s*(?:[-*]|\d+\.)\s+", raw)
        hang = " " * (bullet.end() if bullet else len(raw) - len(raw.lstrip()))
        lines.extend(
            textwrap.wrap(
                raw,
                width,
                initial_indent=indent,
                subsequent_indent=indent + hang,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return lines


def _summary(op: ir.Operation) -> str:
    return (op.summary or op.operation_id).rstrip(".") + "."


def summary_line(op: ir.Operation) -> str:
    """First line of a method's docstring: the spec's summary as a sentence, escaped."""
    return docstring(_summary(op))


def method_docstring(op: ir.Operation) -> str:
    """Google-style docstring of a generated method, from the spec's words."""
    parts = [_summary(op)]
    if op.description and op.description != op.summary:
        parts += ["", *_wrap(op.description)]
    args = [(p.name, p.description + (" Required." if p.required else "")) for p in op.parameters]
    if op.body:
        model, in_list = _body_model(op.body)
        if model is None:
            shape = op.body.type.hint()
        elif in_list:
            shape = f"a list of {model.hint()} or equivalent dicts"
        else:
            shape = f"{model.hint()} or an equivalent dict"
        text = f"{op.body.description or 'Request body'} ({shape})."
        if op.body.multipart:
            text += (
                " Sent as multipart/form-data; a file field takes a capillary.File, bytes, a binary"
                " file object or a pathlib.Path."
            )
        args.append(("body", text))
    args.append(("request_options", "Per-call overrides: timeout, retries, extra headers, attribution."))
    parts += ["", "Args:"]
    for name, text in args:
        parts += _wrap(f"{name}: {text.strip()}", indent="    ")
    parts += [
        "",
        "Returns:",
        *_wrap(f"{op.response.type.hint()}: {op.response.description or 'the parsed response'}", indent="    "),
    ]
    parts += [
        "",
        "Raises:",
        "    capillary.errors.InvalidRequestError: an argument does not match the spec; nothing was sent.",
        "    capillary.errors.APIStatusError: the API answered with an error status.",
    ]
    if op.error_codes:
        parts += ["", "Capillary error codes:"]
        parts += [
            line
            for code, meaning in sorted(op.error_codes.items())
            for line in _wrap(f"- {code}: {meaning}", indent="    ")
        ]
    return _docstring_block(parts, 8)


def iterator_docstring(op: ir.Operation, class_name: str, mode: str) -> str:
    """Docstring of an `iter_*` method: what it yields and how it pages."""
    assert op.pagination is not None
    paging = op.pagination
    loop = "for" if mode == "sync" else "async for"
    unit = "offset" if paging.style == "offset" else "page number"
    text = (
        f"Every item of `{op.method_name}`, page after page: {op.summary.rstrip('.')}.\n\n"
        f"Use it in a `{loop}` loop; each page is requested when the previous one is used up, with "
        f"`{paging.limit}` items per page (the server's default when not given), starting at {unit} "
        f"`{paging.position}` (default {paging.first}). Arguments, errors and options are those of "
        f"`{class_name}.{op.method_name}`."
    )
    return _docstring_block(_wrap(text), 8)


def webhook_docstring(hook: ir.Webhook) -> str:
    """Docstring of a webhook parser: what the request is, what the endpoint should answer."""
    parts = [f"{hook.summary.rstrip('.')} (webhook `{hook.name}`): parse and check a received payload."]
    if hook.description:
        parts += ["", *_wrap(hook.description)]
    parts += [
        "",
        "Args:",
        *_wrap("payload: the request body as received (bytes or str), or already decoded JSON.", indent="    "),
        "",
        "Returns:",
        *_wrap(f"{hook.payload.type.hint()}: the payload; fields the spec does not list are kept.", indent="    "),
        "",
        "Raises:",
        *_wrap(
            "capillary.errors.WebhookPayloadError: the payload is not JSON or not of the documented shape.",
            indent="    ",
        ),
    ]
    return _docstring_block(parts, 4)


def _body_model(body: ir.Body) -> tuple[ir.TypeRef | None, bool]:
    """The model a body is made of (a dict may stand in for it), and whether it comes in a list."""
    if body.type.kind == "model":
        return body.type, False
    if body.type.kind == "list" and body.type.args[0].kind == "model":
        return body.type.args[0], True
    return None, False


def body_hint(body: ir.Body) -> str:
    """What the `body` argument accepts: the model, or plain dicts in its place (also inside a list)."""
    model, in_list = _body_model(body)
    if model is None:
        return body.type.hint("models.")
    accepted = f"{model.hint('models.')} | dict[str, Any]"
    return f"list[{accepted}]" if in_list else accepted


def arguments_dict(op: ir.Operation) -> str:
    return "{" + ", ".join(f"{p.name!r}: {p.name}" for p in op.parameters) + "}"


def field_annotation(field: ir.Field) -> str:
    return (field.type if field.required else ir.optional(field.type)).annotation()


def python_imports(code_fragments: Iterable[str], always: Iterable[str] = ()) -> str:
    """The import block a generated module needs, judged from the annotations it renders."""
    text = "\n".join(code_fragments)
    typing_names = [name for name in ("Annotated", "Any", "Literal") if re.search(rf"\b{name}\b", text)]
    abc_names = [name for name in ("AsyncIterator", "Iterator", "Mapping") if re.search(rf"\b{name}\[", text)]
    lines = []
    if "_dt." in text:
        lines.append("import datetime as _dt")
    if "enum.Enum" in text:
        lines.append("import enum")
    if abc_names:
        lines.append(f"from collections.abc import {', '.join(abc_names)}")
    if typing_names:
        lines.append(f"from typing import {', '.join(typing_names)}")
    if lines:
        lines.append("")
    lines.extend(always)
    return "\n".join(lines)


def _template_line(exc: jinja2.TemplateError) -> str:
    """`:N` for the template line of an error: syntax errors carry it, and Jinja rewrites the
    traceback of errors raised while rendering so their template frames show template lines."""
    line = getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".jinja"):
            line = tb.tb_lineno
        tb = tb.tb_next
    return f":{line}" if line else ""


class Renderer:
    """One Jinja environment (compiled templates reused) for all targets."""

    def __init__(self, templates_dir: Path, cache_dir: Path | None = None) -> None:
        self.templates_dir = templates_dir
        if cache_dir:
            (cache_dir / "jinja").mkdir(parents=True, exist_ok=True)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(templates_dir)),
            # Compiled templates are kept (keyed by their source) so a run does not compile them again.
            bytecode_cache=jinja2.FileSystemBytecodeCache(str(cache_dir / "jinja")) if cache_dir else None,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            # HTML templates escape everything they print; Python and Markdown templates print as is.
            autoescape=lambda name: name is not None and name.endswith(".html.jinja"),
        )
        self.env.filters.update(
            pyrepr=pyrepr,
            docstring=docstring,
            first_line=first_line,
            method_docstring=method_docstring,
            summary_line=summary_line,
            arguments_dict=arguments_dict,
            body_hint=body_hint,
            iterator_docstring=iterator_docstring,
            webhook_docstring=webhook_docstring,
            field_annotation=field_annotation,
            wrapdoc=wrapdoc,
            field_declaration=field_declaration,
            md_text=md_text,
            md_cell=md_cell,
            markdown=markdown,
            markdown_inline=markdown_inline,
        )

    def render(self, template: str, **context: Any) -> str:
        try:
            return self.env.get_template(template).render(**context)
        except jinja2.TemplateError as exc:
            raise GeneratorBug(f"template {template}{_template_line(exc)}: {type(exc).__name__}: {exc}") from None

    def static(self, name: str) -> str:
        """A file under the templates folder that is copied as it is (scripts, style sheets)."""
        return (self.templates_dir / name).read_text(encoding="utf-8")

    @cached_property
    def runtime_files(self) -> dict[str, str]:
        """The hand-written runtime of the client, copied as it is."""
        runtime = self.templates_dir / "python" / "runtime"
        return {p.name: p.read_text(encoding="utf-8") for p in sorted(runtime.glob("*.py"))}

    @cached_property
    def digest(self) -> str:
        """Digest of every template: with a version's inputs, what its rendered files depend on."""
        digest = hashlib.sha256()
        add_files(digest, "templates", self.templates_dir)
        return digest.hexdigest()

    def package_files(self, api: ir.Api) -> dict[str, str]:
        """The package's own files, relative to `generated/python/` (its README is written with the
        docs, each version's modules by `version_modules`)."""
        files: dict[str, str] = {
            "pyproject.toml": self.render("python/package/pyproject.toml.jinja", package_version=PACKAGE_VERSION),
            "capillary/__init__.py": self.render("python/package/__init__.py.jinja", api=api),
            "capillary/_version.py": self.render("python/package/_version.py.jinja", package_version=PACKAGE_VERSION),
            "capillary/_clusters.py": self.render("python/package/_clusters.py.jinja", api=api),
            "capillary/py.typed": "",
        }
        for name, text in self.runtime_files.items():
            files[f"capillary/{name}"] = text
        return files

    def version_modules(self, version: ir.Version) -> dict[str, tuple[bytes | None, Callable[[], str]]]:
        """One version's subpackage, relative to `generated/python/`: each module as what it is
        rendered from (pickled) and how to render it, so that a caller can keep the modules whose
        inputs did not change (an edit usually touches one resource). The small `__init__` reads a
        little of every resource and is simply rendered again (material None)."""
        base = f"capillary/{version.module}"
        # What every module reads of the version besides its resources and models.
        context = dataclasses.replace(version, resources=[], enums=[], models=[], inputs_digest="")
        modules = {
            f"{base}/__init__.py": (None, partial(self.render, "python/version/__init__.py.jinja", version=version)),
        }
        for resource in version.resources:
            operations = [op.digest for op in resource.operations]  # the IR's digests: no pickling of them
            modules[f"{base}/{resource.module}.py"] = (
                Pieces.material(context, dataclasses.replace(resource, operations=[]), operations),
                partial(self.resource_module, version, resource),
            )
        return modules

    def models_header(self, version: ir.Version, annotations: list[str], uses_field: bool) -> str:
        """The top of a version's models module (`models_module.ModelsModule` adds the classes): its
        docstring and the imports that the classes' `annotations` need."""
        always = ["from pydantic import Field", ""] if uses_field else []
        if any(re.search(r"\bFileField\b", a) for a in annotations):
            always.append("from .._files import FileField")
        lenient = any("lenient_enum(" in a for a in annotations)
        always.append("from .._model import CapillaryModel" + (", lenient_enum" if lenient else ""))
        return self.render(
            "python/version/models.py.jinja", version=version, imports=python_imports(annotations, always)
        )

    def resource_module(self, version: ir.Version, resource: ir.Resource) -> str:
        fragments: list[str] = []
        for op in resource.operations:
            fragments.append(op.response.type.annotation("models."))
            for p in op.parameters:
                fragments += [p.type.annotation("models."), p.type.hint("models.")]
            if op.body:
                fragments += [op.body.type.annotation("models."), body_hint(op.body)]
            if op.pagination:
                item = op.pagination.item_type.hint("models.")
                fragments += [f"Iterator[{item}]", f"AsyncIterator[{item}]"]
        for hook in resource.webhooks:
            fragments += [hook.payload.type.annotation("models."), "Mapping[str, Any]"]
        runtime = ["from .._client import AsyncClient, RequestOptions, SyncClient"] if resource.operations else []
        if any("lenient_enum(" in f for f in fragments):
            runtime.append("from .._model import lenient_enum")
        uses_params = any(op.parameters for op in resource.operations)
        if resource.operations:
            operation_names = ["Operation"]
            if any(op.pagination for op in resource.operations):
                operation_names.append("Paging")
            if uses_params:
                operation_names.append("Param")
            runtime.append(f"from .._operation import {', '.join(operation_names)}")
        if resource.webhooks:
            runtime.append("from .._webhooks import parse_payload")
        if any("models." in f for f in fragments):
            runtime.append("from . import models")
        return self.render(
            "python/version/resource.py.jinja",
            version=version,
            resource=resource,
            imports=python_imports(fragments, runtime),
        )
