"""Contract suite against Prism, an independent mock server serving each bundled spec.

Prism validates every request against the spec (violations come back in its `sl-violations`
header) and answers with the spec's static examples, which must parse into the declared models.
Every operation is called through the generated client, sync and async.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from contract_cases import REPO, Case, arguments, cases, check_result_type, hosts, resource_of

PRISM = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "prism"
# Prism must answer fast; a hang fails the test instead of stalling the run.
TIMEOUT = httpx.Timeout(15.0, connect=5.0)
# Operations whose spec examples Prism cannot serve as they are: operation id -> reason.
NOT_SERVABLE: dict[str, str] = {}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrismServer:
    def __init__(self, spec: Path, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process = subprocess.Popen(
            [str(PRISM), "mock", "--host", "127.0.0.1", "--port", str(self.port), "--errors", str(spec)],
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def wait_until_ready(self, limit: float = 60.0) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"prism exited early:\n{self.log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"prism did not start within {limit}s:\n{self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="session")
def prism(tmp_path_factory) -> Iterator[dict[str, str]]:
    """One Prism per bundled spec in generated/openapi/, started once, stopped at the end."""
    if not PRISM.exists():
        pytest.fail("Prism is not installed: run `make test` (it runs `npm ci`)")
    logs = tmp_path_factory.mktemp("prism")
    servers = {
        spec.stem: PrismServer(spec, logs / f"{spec.stem}.log")
        for spec in sorted((REPO / "generated" / "openapi").glob("*.yaml"))
        # A part with webhooks only has nothing to serve.
        if yaml.safe_load(spec.read_text(encoding="utf-8")).get("paths")
    }
    try:
        for server in servers.values():
            server.wait_until_ready()
        yield {name: server.url for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()


class Exchanges:
    """Records Prism's answers; any reported violation fails the test."""

    def __init__(self) -> None:
        self.responses: list[httpx.Response] = []

    def record(self, response: httpx.Response) -> None:
        self.responses.append(response)

    def check(self) -> None:
        assert self.responses, "no request reached Prism"
        for response in self.responses:
            violations = response.headers.get("sl-violations")
            assert not violations, f"Prism reported violations: {json.loads(violations)}"
            assert response.status_code < 400, f"Prism answered {response.status_code}"


def client_kwargs(case: Case, url: str) -> dict[str, Any]:
    return {
        **hosts(case, url),
        "till": "prism.till",
        "password": "prism-pass",
        "access_token": "prism-oauth-token",
        "max_retries": 0,
    }


def servable(case: Case) -> Case:
    if case.operation.operation_id in NOT_SERVABLE:
        pytest.xfail(NOT_SERVABLE[case.operation.operation_id])
    return case


@pytest.mark.slow
@pytest.mark.parametrize("case", cases(), ids=lambda c: c.id)
def test_operation_against_prism_sync(case: Case, prism: dict[str, str]) -> None:
    from capillary import Capillary

    exchanges = Exchanges()
    http = httpx.Client(timeout=TIMEOUT, event_hooks={"response": [exchanges.record]})
    with Capillary(**client_kwargs(servable(case), prism[case.version.name]), http_client=http) as client:
        result = getattr(resource_of(client, case), case.operation.method_name)(**arguments(case))
    exchanges.check()
    check_result_type(case, result, request_id=False)


@pytest.mark.slow
@pytest.mark.parametrize("case", cases(), ids=lambda c: c.id)
def test_operation_against_prism_async(case: Case, prism: dict[str, str]) -> None:
    from capillary import AsyncCapillary

    async def call() -> Any:
        exchanges = Exchanges()

        async def record(response: httpx.Response) -> None:
            exchanges.record(response)

        http = httpx.AsyncClient(timeout=TIMEOUT, event_hooks={"response": [record]})
        async with AsyncCapillary(
            **client_kwargs(servable(case), prism[case.version.name]), http_client=http
        ) as client:
            result = await getattr(resource_of(client, case), case.operation.method_name)(**arguments(case))
        exchanges.check()
        return result

    check_result_type(case, asyncio.run(call()), request_id=False)


def test_prism_is_pinned_to_a_release_that_answers_malformed_json() -> None:
    """5.16.0 hangs on a malformed JSON body on Node 20; 5.14.2 answers 400."""
    root = PRISM.parents[2]
    manifest = json.loads((root / "package.json").read_text())
    assert manifest["devDependencies"]["@stoplight/prism-cli"] == "5.14.2"
    assert (root / "package-lock.json").is_file()


@pytest.mark.slow
def test_a_wrong_request_fails_with_prisms_violation(prism: dict[str, str]) -> None:
    """The check is live: a request the spec forbids (sent raw, past the client's own validation)
    comes back with violations, and the suite's check fails naming the parameter."""
    exchanges = Exchanges()
    with httpx.Client(timeout=TIMEOUT, event_hooks={"response": [exchanges.record]}) as http:
        http.get(
            f"{prism['v2']}/v2/customers/lookup",
            params={"source": "NOT_A_SOURCE", "identifierName": "mobile", "identifierValue": "919800000001"},
            auth=("prism.till", "0" * 32),
        )
    with pytest.raises(AssertionError, match=r"Prism reported violations: .*source"):
        exchanges.check()
