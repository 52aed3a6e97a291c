"""Every documented operation is specified, or explicitly excluded or pending with a reason."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from generator import coverage
from generator.pipeline import Project, build

REPO = Path(__file__).resolve().parent.parent


@cache
def api():
    return build(Project.at(REPO))[1]


def rows() -> list[coverage.Row]:
    return coverage.read_inventory(REPO / coverage.INVENTORY)


def exclusions() -> dict:
    return coverage.load_exclusions(REPO / coverage.EXCLUSIONS)


def test_inventory_copy_has_every_documented_operation() -> None:
    assert len(rows()) == 386
    assert sum(r.version == "v1.1" and r.service == "crm" for r in rows()) == 85


def test_no_documented_operation_is_missing() -> None:
    missing = [o.row for o in coverage.assess(api(), rows(), exclusions()) if o.state == "missing"]
    assert not missing, "\n".join(f"{r.method} {r.path} ({r.title}) {r.source}" for r in missing)


def test_exclusions_are_current() -> None:
    assert coverage.stale_exclusions(rows(), exclusions(), api()) == []
    for entry in exclusions().get("excluded") or []:
        assert str(entry.get("reason", "")).strip(), f"exclusion without a reason: {entry}"
    groups = {(r.version, r.service, r.resource) for r in rows()}
    for entry in exclusions().get("pending") or []:
        assert (entry["version"], entry["service"], entry["resource"]) in groups, entry


def test_every_specified_operation_is_documented() -> None:
    """A spec operation that matches no documented row is a typo in a path or method."""
    documented = {coverage.route(r.method, path) for r in rows() for path in (r.path, *r.alt_paths)}
    unknown = {coverage.route(r.method, r.path)[1] for r in rows() if r.method.upper() == "UNKNOWN"}
    strays = [
        f"{op.http_method} {op.path} ({op.source})"
        for version in api().versions
        for op in version.operations
        if coverage.route(op.http_method, op.path) not in documented
        and coverage.route(op.http_method, op.path)[1] not in unknown
        and not op.documented_as
    ]
    assert not strays, strays
    claims = [
        f"{claim} ({op.source})"
        for version in api().versions
        for op in version.operations
        for claim in op.documented_as
        if coverage.route(*claim.split(" ", 1)) not in documented
    ]
    assert not claims, f"x-capillary-documented-as names no documented operation: {claims}"


def test_assess_states_on_a_small_inventory() -> None:
    """The matching rules themselves: placeholders anonymised, UNKNOWN methods match any method."""
    sample = [
        coverage.Row("v2", "crm", "items", "GET", "/v2/customers/{id}", "get", "x:1"),
        coverage.Row("v2", "crm", "items", "UNKNOWN", "/v2/customers/lookup", "lookup", "x:2"),
        coverage.Row("v2", "crm", "items", "DELETE", "/v2/customers/{id}", "delete", "x:3"),
        coverage.Row("v2", "crm", "other", "GET", "/v2/other", "other", "x:4"),
        coverage.Row("v9", "crm", "gone", "GET", "/v9/gone", "gone", "x:5"),
    ]
    rules = {
        "excluded": [{"method": "DELETE", "path": "/v2/customers/{customerId}", "reason": "not public"}],
        "pending": [{"version": "v2", "service": "crm", "resource": "other", "issue": 6}],
    }
    states = [o.state for o in coverage.assess(api(), sample, rules)]
    assert states == ["specified", "specified", "excluded", "pending", "missing"]
    table = coverage.table(coverage.assess(api(), sample, rules))
    assert "| v2 | items | 3 | 2 | 1 | 0 | 0 |" in table and "| **all** | | **5** |" in table


def test_an_exclusion_with_a_title_targets_one_of_two_rows_sharing_a_route() -> None:
    sample = [
        coverage.Row("v2", "crm", "items", "GET", "/v2/customers/{id}", "get one", "x:1"),
        coverage.Row("v2", "crm", "items", "GET", "/v2/customers/{id}", "get all", "x:2"),
    ]
    rules = {"excluded": [{"method": "GET", "path": "/v2/customers/{x}", "title": "get all", "reason": "elided"}]}
    assert [o.state for o in coverage.assess(api(), sample, rules)] == ["specified", "excluded"]
    # A titled exclusion of a specified route is current; one naming no row is stale.
    assert coverage.stale_exclusions(sample, rules, api()) == []
    rules["excluded"][0]["title"] = "no such section"
    assert coverage.stale_exclusions(sample, rules, api()) == [
        "excluded GET /v2/customers/{x} is not a documented operation"
    ]
