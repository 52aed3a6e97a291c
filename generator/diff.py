"""Breaking-change detection between two bundled specs of a version.

Requests and responses are judged from the client's side: a change is breaking when code that
worked against the old spec can fail against the new one (an operation, parameter or field gone,
something optional become required, a type or enum narrowed, a response field removed).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


@dataclass(frozen=True, order=True)
class Change:
    breaking: bool
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class _Side:
    """One bundled document, with `$ref` lookups inside it."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc or {}

    def deref(self, node: Any, depth: int = 0) -> Any:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and depth < 50:
            target: Any = self.doc
            for token in node["$ref"].lstrip("#/").split("/"):
                token = token.replace("~1", "/").replace("~0", "~")
                target = target.get(token, {}) if isinstance(target, dict) else {}
            node, depth = target, depth + 1
        return node if isinstance(node, dict) else {}

    def operations(self) -> dict[tuple[str, str], tuple[str, dict, dict]]:
        found = {}
        for path, item in (self.doc.get("paths") or {}).items():
            for method in HTTP_METHODS:
                if isinstance(item.get(method), dict):
                    found[(method.upper(), _PLACEHOLDER.sub("{}", path))] = (path, item, item[method])
        return found


def _types(schema: dict) -> set[str]:
    """JSON types a schema accepts; `number` accepts integers too."""
    declared = schema.get("type")
    types = {declared} if isinstance(declared, str) else set(declared or [])
    if "number" in types:
        types.add("integer")
    return types


class Differ:
    def __init__(self, old: dict[str, Any], new: dict[str, Any], version: str) -> None:
        self.old, self.new, self.version = _Side(old), _Side(new), version
        self.changes: list[Change] = []

    def add(self, breaking: bool, where: str, message: str) -> None:
        self.changes.append(Change(breaking, where, message))

    def run(self) -> list[Change]:
        old_ops, new_ops = self.old.operations(), self.new.operations()
        for key in sorted(old_ops.keys() - new_ops.keys()):
            self.add(True, f"{self.version} {key[0]} {old_ops[key][0]}", "operation removed")
        for key in sorted(new_ops.keys() - old_ops.keys()):
            self.add(False, f"{self.version} {key[0]} {new_ops[key][0]}", "operation added")
        for key in sorted(old_ops.keys() & new_ops.keys()):
            self.operation(f"{self.version} {key[0]} {new_ops[key][0]}", old_ops[key], new_ops[key])
        return sorted(self.changes, key=lambda c: (not c.breaking, c.where, c.message))

    def parameters(self, side: _Side, item: dict, op: dict) -> dict[tuple[str, str], dict]:
        params = {}
        for node in list(item.get("parameters") or []) + list(op.get("parameters") or []):
            param = side.deref(node)
            params[(str(param.get("in")), str(param.get("name")))] = param
        return params

    def operation(self, where: str, old: tuple, new: tuple) -> None:
        old_params, new_params = self.parameters(self.old, old[1], old[2]), self.parameters(self.new, new[1], new[2])
        for key in sorted(old_params.keys() - new_params.keys()):
            self.add(True, where, f"{key[0]} parameter {key[1]!r} removed")
        for key in sorted(new_params.keys() - old_params.keys()):
            required = bool(new_params[key].get("required"))
            self.add(required, where, f"{'required' if required else 'optional'} {key[0]} parameter {key[1]!r} added")
        for key in sorted(old_params.keys() & new_params.keys()):
            label = f"{key[0]} parameter {key[1]!r}"
            if new_params[key].get("required") and not old_params[key].get("required"):
                self.add(True, where, f"{label} became required")
            self.schema(where, label, old_params[key].get("schema") or {}, new_params[key].get("schema") or {}, True)
        old_body, new_body = self._body(self.old, old[2]), self._body(self.new, new[2])
        if old_body is not None and new_body is None:
            self.add(True, where, "request body removed")
        elif new_body is not None and old_body is None:
            self.add(bool(self.new.deref(new[2].get("requestBody")).get("required")), where, "request body added")
        elif old_body is not None:
            self.schema(where, "request body", old_body, new_body, True)
        old_response, new_response = self._response(self.old, old[2]), self._response(self.new, new[2])
        if old_response is not None and new_response is not None:
            self.schema(where, "response", old_response, new_response, False)

    @staticmethod
    def _body(side: _Side, op: dict) -> dict | None:
        if "requestBody" not in op:
            return None
        return ((side.deref(op["requestBody"]).get("content") or {}).get("application/json") or {}).get("schema") or {}

    @staticmethod
    def _response(side: _Side, op: dict) -> dict | None:
        for status, node in (op.get("responses") or {}).items():
            if str(status).startswith("2"):
                media = (side.deref(node).get("content") or {}).get("application/json") or {}
                return media.get("schema") or {}
        return None

    def schema(self, where: str, label: str, old: Any, new: Any, request: bool, seen: frozenset = frozenset()) -> None:
        """Compare two schemas; `request` says which side of the exchange they describe."""
        identity = (id(old), id(new))
        if identity in seen:
            return
        seen = seen | {identity}
        old, new = self.old.deref(old), self.new.deref(new)
        old_types, new_types = _types(old), _types(new)
        if old_types and new_types and old_types != new_types:
            widened = old_types <= new_types
            narrowed = new_types < old_types
            detail = f"type {old.get('type')} -> {new.get('type')}"
            if narrowed and request:
                self.add(True, where, f"{label}: type narrowed ({detail})")
            elif widened and not request:
                self.add(True, where, f"{label}: type widened in a response ({detail})")
            elif not widened and not narrowed:
                self.add(True, where, f"{label}: type changed ({detail})")
            else:
                self.add(False, where, f"{label}: {'type widened' if request else 'type narrowed'} ({detail})")
        old_enum, new_enum = old.get("enum"), new.get("enum")
        if isinstance(old_enum, list) and isinstance(new_enum, list):
            removed = [v for v in old_enum if v not in new_enum]
            added = [v for v in new_enum if v not in old_enum]
            if removed:
                self.add(request, where, f"{label}: enum value(s) {removed} removed")
            if added:
                self.add(False, where, f"{label}: enum value(s) {added} added")
        elif isinstance(new_enum, list) and not isinstance(old_enum, list) and request:
            self.add(True, where, f"{label}: restricted to the values {new_enum}")
        self.properties(where, label, old, new, request, seen)
        if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
            self.schema(where, f"{label}[]", old["items"], new["items"], request, seen)

    def properties(self, where: str, label: str, old: dict, new: dict, request: bool, seen: frozenset) -> None:
        old_props, new_props = old.get("properties") or {}, new.get("properties") or {}
        old_required, new_required = set(old.get("required") or []), set(new.get("required") or [])
        removed = [name for name in old_props if name not in new_props]
        added = [name for name in new_props if name not in old_props]
        renamed = {}
        for name in removed:
            twin = [a for a in added if a not in renamed.values() and self._same(old_props[name], new_props[a])]
            if len(twin) == 1:
                renamed[name] = twin[0]
        for name in removed:
            field = f"{label} field {name!r}"
            self.add(True, where, f"{field} renamed to {renamed[name]!r}" if name in renamed else f"{field} removed")
        for name in added:
            if name in renamed.values():
                continue
            required = request and name in new_required
            kind = "required" if name in new_required else "optional"
            self.add(required, where, f"{label}: {kind} field {name!r} added")
        for name in old_props.keys() & new_props.keys():
            field = f"{label}.{name}"
            if request and name in new_required and name not in old_required:
                self.add(True, where, f"{field} became required")
            elif not request and name in old_required and name not in new_required:
                self.add(True, where, f"{field} is no longer always present")
            self.schema(where, field, old_props[name], new_props[name], request, seen)

    def _same(self, old: Any, new: Any) -> bool:
        return self.old.deref(old) == self.new.deref(new)


def diff_documents(old: dict[str, Any], new: dict[str, Any], version: str) -> list[Change]:
    return Differ(old, new, version).run()


def bundles_at(root: Path, ref: str) -> dict[str, dict[str, Any]]:
    """The bundled specs (`generated/openapi/*.yaml`) as they were at a git ref."""
    listing = subprocess.run(
        ["git", "-C", str(root), "ls-tree", "--name-only", f"{ref}:generated/openapi"], capture_output=True, text=True
    )
    if listing.returncode != 0:
        raise ValueError(f"cannot read generated/openapi at {ref!r}: {listing.stderr.strip()}")
    bundles = {}
    for name in listing.stdout.split():
        if name.endswith(".yaml"):
            shown = subprocess.run(
                ["git", "-C", str(root), "show", f"{ref}:generated/openapi/{name}"],
                capture_output=True,
                text=True,
                check=True,
            )
            bundles[name[: -len(".yaml")]] = yaml.safe_load(shown.stdout)
    return bundles


def markdown(changes: list[Change], ref: str) -> str:
    """Changelog-ready Markdown."""
    lines = [f"## API changes since {ref}", ""]
    for title, breaking in (("Breaking changes", True), ("Compatible changes", False)):
        selected = [c for c in changes if c.breaking == breaking]
        lines.append(f"### {title} ({len(selected)})")
        lines.append("")
        lines.extend(f"- `{c.where}`: {c.message}" for c in selected)
        if not selected:
            lines.append("- none")
        lines.append("")
    return "\n".join(lines)
