"""Coverage of the documented API by the specs.

The documented operations (tests/data/capillary-inventory.tsv, facts copied from the reference
inventory) are matched against the operations of the specs by method and path. Each row is then
specified, excluded (with a reason: it will not be specified) or pending (planned, with the issue
that tracks it); anything else is missing, and the coverage check fails.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import ir

INVENTORY = Path("tests/data/capillary-inventory.tsv")
EXCLUSIONS = Path("tests/data/coverage-exclusions.yaml")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
STATES = ("specified", "excluded", "pending", "missing")


@dataclass(frozen=True)
class Row:
    """One documented operation."""

    version: str
    service: str
    resource: str
    method: str
    path: str
    title: str
    source: str
    alt_paths: tuple[str, ...] = ()
    """Other documented paths of the same operation (lookup-by-identifier variants, web-app URLs)."""

    @property
    def group(self) -> str:
        return self.version if self.service == "crm" else f"{self.version} [{self.service}]"


@dataclass
class Outcome:
    row: Row
    state: str
    detail: str = ""


def route(method: str, path: str) -> tuple[str, str]:
    """Comparable form of an operation: placeholders anonymised, no trailing slash."""
    return method.upper(), _PLACEHOLDER.sub("{}", path.rstrip("/") or "/")


def read_inventory(path: Path) -> list[Row]:
    with path.open(encoding="utf-8") as stream:
        lines = [line for line in stream if not line.startswith("#")]
    return [
        Row(
            r["version"],
            r["service"],
            r["resource"],
            r["method"],
            r["path"],
            r["title"],
            r["source"],
            tuple(p for p in r["alt_paths"].split(",") if p),
        )
        for r in csv.DictReader(lines, delimiter="\t")
    ]


def specified_routes(api: ir.Api) -> set[tuple[str, str]]:
    routes = set()
    for version in api.versions:
        # A webhook has no path of ours; it covers the documented rows it names.
        for op in [*version.operations, *version.webhooks]:
            if isinstance(op, ir.Operation):
                routes.add(route(op.http_method, op.path))
            for documented in op.documented_as:
                method, _, path = documented.partition(" ")
                routes.add(route(method, path))
    return routes


def assess(api: ir.Api, rows: list[Row], exclusions: dict) -> list[Outcome]:
    routes = specified_routes(api)
    excluded = {
        route(e["method"], e["path"]): e["reason"] for e in exclusions.get("excluded") or [] if "title" not in e
    }
    # An entry with a title excludes that one row, when another row shares its method and path.
    excluded_rows = {
        (route(e["method"], e["path"]), e["title"]): e["reason"]
        for e in exclusions.get("excluded") or []
        if "title" in e
    }
    pending = {(p["version"], p["service"], p["resource"]): p["issue"] for p in exclusions.get("pending") or []}
    outcomes = []
    for row in rows:
        key = route(row.method, row.path)
        unknown_method = row.method.upper() == "UNKNOWN"
        if (key, row.title) in excluded_rows:
            outcomes.append(Outcome(row, "excluded", excluded_rows[(key, row.title)]))
        elif key in routes or (unknown_method and any(path == key[1] for _, path in routes)):
            outcomes.append(Outcome(row, "specified"))
        elif key in excluded:
            outcomes.append(Outcome(row, "excluded", excluded[key]))
        elif (row.version, row.service, row.resource) in pending:
            outcomes.append(Outcome(row, "pending", f"issue #{pending[(row.version, row.service, row.resource)]}"))
        else:
            outcomes.append(Outcome(row, "missing"))
    return outcomes


def stale_exclusions(rows: list[Row], exclusions: dict, api: ir.Api) -> list[str]:
    """Exclusions that name no documented operation, or one the specs now cover."""
    documented = {route(r.method, r.path) for r in rows}
    titles = {(route(r.method, r.path), r.title) for r in rows}
    routes = specified_routes(api)
    problems = []
    for entry in exclusions.get("excluded") or []:
        key = route(entry["method"], entry["path"])
        if key not in documented or ("title" in entry and (key, entry["title"]) not in titles):
            problems.append(f"excluded {entry['method']} {entry['path']} is not a documented operation")
        elif key in routes and "title" not in entry:
            problems.append(f"excluded {entry['method']} {entry['path']} is specified: remove the exclusion")
    return problems


def table(outcomes: list[Outcome]) -> str:
    """Markdown table per version (and service) and resource."""
    counts: dict[tuple[str, str], Counter] = {}
    for outcome in outcomes:
        counts.setdefault((outcome.row.group, outcome.row.resource), Counter())[outcome.state] += 1
    lines = ["| version | resource | documented | " + " | ".join(STATES) + " |", "|---|---|" + "---:|" * 5]
    totals: Counter = Counter()
    for (group, resource), counter in sorted(counts.items()):
        totals.update(counter)
        cells = " | ".join(str(counter[s]) for s in STATES)
        lines.append(f"| {group} | {resource} | {sum(counter.values())} | {cells} |")
    lines.append(f"| **all** | | **{sum(totals.values())}** | " + " | ".join(f"**{totals[s]}**" for s in STATES) + " |")
    return "\n".join(lines)


def load_exclusions(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
