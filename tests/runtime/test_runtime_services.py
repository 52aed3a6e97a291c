"""Separate Capillary services: each routes to its own host for the client's cluster."""

from __future__ import annotations

import httpx
import pytest
from capillary import _client, errors
from capillary._operation import Operation

from capillary_testkit import MockAPI, json_response, sync_client

TOKEN = Operation(
    operation_id="generateCustomerToken",
    method="POST",
    path="/auth/v1/token/generate",
    api="v1.1",
    response=None,
    auth=(),
    service="auth_engine",
)
CORE = Operation(operation_id="ping", method="GET", path="/v2/ping", api="v2", response=None)


@pytest.fixture(autouse=True)
def service_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        _client.SERVICE_CLUSTERS,
        "auth_engine",
        {"eu": "https://eu-auth.example.com", "asia9": "https://asia9-auth.example.com"},
    )


def hosts(api: MockAPI) -> list[str]:
    return [f"{r.url.scheme}://{r.url.host}{r.url.path}" for r in api.requests]


def test_a_service_call_goes_to_the_service_host_of_the_cluster(api: MockAPI) -> None:
    api.answer(httpx.Response(200))
    client = sync_client(api, base_url=None, cluster="EU")
    client.request(TOKEN)
    client.request(CORE)
    assert client.base_url is not None and "eu" in client.base_url
    assert hosts(api)[0] == "https://eu-auth.example.com/auth/v1/token/generate"
    assert hosts(api)[1].endswith("/v2/ping") and "eu-auth" not in hosts(api)[1]
    # v1.1-style envelopes of a service do not get the v1.1 `format` parameter.
    assert "format" not in api.requests[0].url.params


def test_service_urls_override_and_base_url_keeps_the_cluster_for_services(api: MockAPI) -> None:
    api.answer(json_response(200, {}))
    client = sync_client(api, base_url="https://proxy.example", cluster="eu")
    client.request(TOKEN)
    overridden = sync_client(api, service_urls={"auth_engine": "https://auth.proxy.example/"})
    overridden.request(TOKEN)
    assert hosts(api) == [
        "https://eu-auth.example.com/auth/v1/token/generate",
        "https://auth.proxy.example/auth/v1/token/generate",
    ]


def test_a_cluster_only_a_service_serves(api: MockAPI) -> None:
    api.answer(httpx.Response(200))
    client = sync_client(api, base_url=None, cluster="asia9")
    assert client.base_url is None
    client.request(TOKEN)
    with pytest.raises(errors.ConfigurationError, match="cluster 'asia9' has no CRM API host"):
        client.request(CORE)
    assert api.calls == 1


def test_no_host_for_the_service_is_a_clear_error_before_sending(api: MockAPI) -> None:
    client = sync_client(api)  # base_url only: no cluster to pick the service host
    with pytest.raises(errors.ConfigurationError, match=r"no auth_engine host .*service_urls=\{'auth_engine'"):
        client.request(TOKEN)
    assert api.calls == 0


def test_unknown_service_in_service_urls() -> None:
    with pytest.raises(errors.ConfigurationError, match="unknown service 'nope'"):
        _client.SyncClient(base_url="https://x.example", service_urls={"nope": "https://y.example"})
