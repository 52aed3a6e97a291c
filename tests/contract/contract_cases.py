"""The operations of the specs, as cases for the contract suites, with arguments from their examples."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from generator import ir
from generator.pipeline import Project, build

REPO = Path(os.environ.get("CAPGEN_ROOT", Path(__file__).resolve().parents[2])).resolve()
REQUEST_ID = "contract-req-0001"


@dataclass(frozen=True)
class Case:
    version: ir.Version
    resource: ir.Resource
    operation: ir.Operation

    @property
    def id(self) -> str:
        return f"{self.version.name}.{self.resource.module}.{self.operation.method_name}"


@cache
def api() -> ir.Api:
    return build(Project.at(REPO))[1]


def cases() -> list[Case]:
    return [Case(v, r, op) for v in api().versions for r in v.resources for op in r.operations]


@cache
def bundle(version: str) -> dict[str, Any]:
    return yaml.safe_load((REPO / "generated" / "openapi" / f"{version}.yaml").read_text())


def arguments(case: Case) -> dict[str, Any]:
    """Keyword arguments from the spec's examples: every parameter that has one, and the body.
    A multipart body's file fields hold a file name in the spec; the client gets a File of that name."""
    operation = case.operation
    kwargs = {p.name: p.example for p in operation.parameters if p.example is not None}
    missing = [p.wire for p in operation.parameters if p.required and p.example is None]
    assert not missing, f"required parameters without an example: {missing}"
    if operation.body is not None:
        assert operation.body.example is not None, "request body has no example"
        kwargs["body"] = operation.body.example
        if operation.body.multipart:
            from capillary import File

            kwargs["body"] = {
                key: (
                    File(f"contents of {value}".encode(), filename=str(value))
                    if key in operation.body.file_fields
                    else value
                )
                for key, value in operation.body.example.items()
            }
    return kwargs


def hosts(case: Case, url: str) -> dict[str, Any]:
    """Client settings that send the case's calls to `url`: a service's calls go to its own host."""
    settings: dict[str, Any] = {"base_url": url}
    if case.version.service:
        settings["service_urls"] = {case.version.module: url}
    return settings


def resource_of(client: Any, case: Case) -> Any:
    return getattr(getattr(client, case.version.module), case.resource.module)


def check_result_type(case: Case, result: Any, *, request_id: bool = True) -> list[Any]:
    """The result is the declared model, or a list of it for array bodies; returns the models.
    `request_id`: the server sent X-Cap-Requestid, so the result must carry it (Prism sends none)."""
    declared = case.operation.response.type
    models = result if declared.kind == "list" else [result]
    expected = declared.args[0].name if declared.kind == "list" else declared.name
    if declared.kind == "list":
        assert isinstance(result, list), f"{case.id} returned {type(result).__name__}, not a list"
    for model in models:
        assert type(model).__name__ == expected, f"{case.id} returned {type(model).__name__}, not {expected}"
    if request_id:
        assert getattr(result, "request_id", None) is not None, "the result carries no request id"
    return models
