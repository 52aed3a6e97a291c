"""Client construction: hosts, credentials, environment fallbacks, http_client ownership."""

from __future__ import annotations

import httpx
import pytest
from capillary import errors
from capillary._client import AsyncClient, SyncClient
from capillary._clusters import CLUSTERS
from capillary._retry import RetryPolicy

from capillary_testkit import (
    BASE_URL,
    LOOKUP,
    LOOKUP_ARGS,
    OAUTH_KEY,
    OAUTH_SECRET,
    PASSWORD,
    TILL,
    MockAPI,
)


def test_cluster_by_name() -> None:
    name, url = min(CLUSTERS.items())
    with SyncClient(cluster=name, till=TILL, password=PASSWORD) as client:
        assert client.base_url == url
        assert client.auth_kind == "basic"


def test_unknown_cluster_lists_the_valid_names() -> None:
    with pytest.raises(errors.ConfigurationError) as caught:
        SyncClient(cluster="mars")
    message = str(caught.value)
    assert "unknown cluster 'mars'" in message
    for name in CLUSTERS:
        assert name in message


def test_base_url_wins_over_cluster_and_loses_its_trailing_slash() -> None:
    client = SyncClient(cluster="mars", base_url="https://proxy.example/capillary/")
    assert client.base_url == "https://proxy.example/capillary"
    client.close()


@pytest.mark.parametrize("url", ["eu.api.capillarytech.com", "ftp://x.example", "https://x.example/?a=1"])
def test_invalid_base_url(url: str) -> None:
    with pytest.raises(errors.ConfigurationError, match="invalid base_url"):
        SyncClient(base_url=url)


def test_no_host_at_all() -> None:
    with pytest.raises(errors.ConfigurationError, match="CAPILLARY_CLUSTER"):
        SyncClient(till=TILL, password=PASSWORD)


def test_environment_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    name = min(CLUSTERS)
    monkeypatch.setenv("CAPILLARY_CLUSTER", name)
    monkeypatch.setenv("CAPILLARY_TILL", TILL)
    monkeypatch.setenv("CAPILLARY_PASSWORD", PASSWORD)
    monkeypatch.setenv("CAPILLARY_OAUTH_KEY", OAUTH_KEY)
    monkeypatch.setenv("CAPILLARY_OAUTH_SECRET", OAUTH_SECRET)
    with SyncClient() as client:
        assert client.base_url == CLUSTERS[name]
        assert client.auth_kind == "oauth+basic"
    monkeypatch.setenv("CAPILLARY_BASE_URL", "https://env.example")
    with SyncClient() as client:
        assert client.base_url == "https://env.example"
    with SyncClient(base_url="https://arg.example") as client:  # arguments win over the environment
        assert client.base_url == "https://arg.example"


def test_half_credentials_are_refused() -> None:
    with pytest.raises(errors.ConfigurationError, match="password"):
        SyncClient(base_url=BASE_URL, till=TILL)
    with pytest.raises(errors.ConfigurationError, match="oauth_secret"):
        SyncClient(base_url=BASE_URL, oauth_key=OAUTH_KEY)
    with pytest.raises(errors.ConfigurationError, match="oauth_header"):
        SyncClient(base_url=BASE_URL, access_token="t", oauth_header="Bad Header")


def test_http_client_type_is_checked() -> None:
    with pytest.raises(errors.ConfigurationError, match="httpx.Client"):
        SyncClient(base_url=BASE_URL, http_client=httpx.AsyncClient())  # type: ignore[arg-type]
    with pytest.raises(errors.ConfigurationError, match="httpx.AsyncClient"):
        AsyncClient(base_url=BASE_URL, http_client=httpx.Client())  # type: ignore[arg-type]


def test_repr_shows_host_and_auth_kind_only() -> None:
    client = SyncClient(
        base_url=BASE_URL,
        till=TILL,
        password=PASSWORD,
        oauth_key=OAUTH_KEY,
        oauth_secret=OAUTH_SECRET,
    )
    assert repr(client) == "SyncClient(base_url='https://eu.api.capillarytech.com', auth='oauth+basic')"
    assert repr(SyncClient(base_url=BASE_URL)) == "SyncClient(base_url='https://eu.api.capillarytech.com', auth='none')"


def test_context_manager_closes_its_own_client_only(api: MockAPI) -> None:
    with SyncClient(base_url=BASE_URL, till=TILL, password=PASSWORD) as own:
        pass
    assert own._http.is_closed

    mine = httpx.Client(transport=httpx.MockTransport(api))
    with SyncClient(base_url=BASE_URL, till=TILL, password=PASSWORD, http_client=mine) as client:
        client.request(LOOKUP, LOOKUP_ARGS)
    assert not mine.is_closed
    assert api.calls == 1


def test_default_params_and_headers_of_an_http_client_still_apply(api: MockAPI) -> None:
    """The client puts the query into the URL itself, except with an `http_client` that has default
    params: httpx merges those first, as it always did."""
    with SyncClient(
        base_url=BASE_URL, till=TILL, password=PASSWORD, http_client=httpx.Client(transport=httpx.MockTransport(api))
    ) as client:
        client.request(LOOKUP, LOOKUP_ARGS)
    mine = httpx.Client(transport=httpx.MockTransport(api), params={"lang": "en"}, headers={"X-Mine": "1"})
    with SyncClient(base_url=BASE_URL, till=TILL, password=PASSWORD, http_client=mine) as client:
        client.request(LOOKUP, LOOKUP_ARGS)
    plain, merged = api.requests
    assert merged.url.params.multi_items() == [("lang", "en"), *plain.url.params.multi_items()]
    assert merged.url.copy_remove_param("lang") == plain.url
    assert merged.headers["X-Mine"] == "1"


async def test_async_context_manager(api: MockAPI) -> None:
    async with AsyncClient(base_url=BASE_URL, till=TILL, password=PASSWORD) as own:
        pass
    assert own._http.is_closed
    mine = httpx.AsyncClient(transport=httpx.MockTransport(api))
    async with AsyncClient(base_url=BASE_URL, till=TILL, password=PASSWORD, http_client=mine) as client:
        await client.request(LOOKUP, LOOKUP_ARGS)
    assert not mine.is_closed
    await mine.aclose()


def test_default_timeout_and_retry_policy() -> None:
    client = SyncClient(base_url=BASE_URL)
    assert client._http.timeout == httpx.Timeout(30, connect=10)
    assert client.retry_policy == RetryPolicy(max_retries=2, backoff_base=0.5, backoff_cap=8.0)
    assert SyncClient(base_url=BASE_URL, max_retries=4).retry_policy.max_retries == 4
    assert SyncClient(base_url=BASE_URL, timeout=5)._http.timeout == httpx.Timeout(5)
