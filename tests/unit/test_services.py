"""Separate services: their own folder, hosts and namespace, generated and called end to end."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from generator.errors import SpecErrors
from generator.pipeline import build, generate

from spec_project import make_project

SERVICE_ROOT = """\
openapi: 3.1.0
info: {title: Capillary Loyalty Wallet, version: "1", description: A separate service.}
servers:
  - {url: "https://eu-wallet.example.com", description: EU., x-capillary-cluster: eu}
  - {url: "https://mars-wallet.example.com", description: Mars., x-capillary-cluster: mars}
tags:
  - {name: payments, description: Payments.}
paths: {}
"""

PAYMENTS = """\
openapi: 3.1.0
info: {title: Payments, version: "1"}
paths:
  /walletApp/payment/authorize:
    post:
      operationId: authorizeWalletPayment
      summary: Authorize a payment
      description: Authorizes a wallet payment.
      tags: [payments]
      security: []
      externalDocs: {url: "https://docs.example.com/#authorize-payments"}
      parameters:
        - name: cap_device_id
          x-capgen-name: device_id
          in: header
          required: true
          description: Device.
          schema: {type: string}
          example: dev-7
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/WalletPayment"}
            example: {amount: 12.5}
      responses:
        "200":
          description: Authorized.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/WalletPayment"}
              example: {amount: 12.5}
components:
  schemas:
    WalletPayment:
      type: object
      properties:
        amount: {type: number, description: Amount.}
"""

CALL = """\
import httpx
from capillary import Capillary

sent = []
def answer(request):
    sent.append(str(request.url))
    return httpx.Response(200, json={"amount": 12.5})

http = httpx.Client(transport=httpx.MockTransport(answer))
client = Capillary(cluster="{cluster}", till="t", password="p", http_client=http)
result = client.wallet.payments.authorize_wallet(device_id="dev-7", body={"amount": 12.5})
print(type(client.wallet).__name__, result.amount, sent[0])
"""


def service_project(tmp_path):
    return make_project(tmp_path, {"wallet/api.yaml": SERVICE_ROOT, "wallet/payments.yaml": PAYMENTS})


def test_a_service_folder_is_a_part_with_its_own_hosts(tmp_path) -> None:
    _, api = build(service_project(tmp_path))
    wallet = next(v for v in api.versions if v.name == "wallet")
    assert wallet.service and wallet.family == "v2" and wallet.class_name == "Wallet"
    assert not next(v for v in api.versions if v.name == "v2").service
    # Service hosts never mix into the CRM cluster table.
    assert api.clusters == {"eu": "https://eu.example.com"}
    assert api.service_clusters == {
        "wallet": {"eu": "https://eu-wallet.example.com", "mars": "https://mars-wallet.example.com"}
    }


def test_an_unknown_family_is_an_error(tmp_path) -> None:
    root = SERVICE_ROOT.replace("paths: {}", "paths: {}\nx-capillary-family: v9")
    project = make_project(tmp_path, {"wallet/api.yaml": root, "wallet/payments.yaml": PAYMENTS})
    with pytest.raises(SpecErrors) as caught:
        build(project)
    assert [str(e) for e in caught.value.errors] == [
        "specs/wallet/api.yaml:9: x-capillary-family must be one of v1.1, v2, v3"
    ]


@pytest.mark.parametrize(("cluster", "host"), [("eu", "eu-wallet"), ("mars", "mars-wallet")])
def test_the_generated_client_calls_the_service_on_its_host(tmp_path, cluster: str, host: str) -> None:
    project = service_project(tmp_path)
    generate(project)
    code = textwrap.dedent(CALL).replace("{cluster}", cluster)
    run = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(project.out_dir / "python"), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["Wallet", "12.5", f"https://{host}.example.com/walletApp/payment/authorize"]


def test_parts_are_ordered_versions_first_then_services_by_name() -> None:
    from generator.specset import _version_key

    names = {"wallet", "v2", "auth_engine", "v1.1", "v10", "v3"}
    assert sorted(names, key=_version_key) == ["v1.1", "v2", "v3", "v10", "auth_engine", "wallet"]


def test_generation_is_identical_across_working_dirs_and_hash_seeds(tmp_path) -> None:
    """Two services (whose order once came from set iteration) and a webhook, generated twice from
    copies in different folders with different PYTHONHASHSEED: byte-identical output."""
    import hashlib
    import shutil

    from spec_project import ITEMS, WEBHOOK

    hook = ITEMS.replace("components:\n", WEBHOOK, 1)
    files = {
        "wallet/api.yaml": SERVICE_ROOT,
        "wallet/payments.yaml": PAYMENTS,
        "avalanche/api.yaml": SERVICE_ROOT.replace("Loyalty Wallet", "Avalanche"),
        "avalanche/payments.yaml": PAYMENTS.replace("authorizeWalletPayment", "authorizeAvalanchePayment"),
        "v2/items.yaml": hook,
    }
    source = make_project(tmp_path / "source", files)
    repo = Path(__file__).resolve().parents[2]
    digests = []
    for seed in ("1", "4242"):
        root = tmp_path / f"copy-{seed}"
        shutil.copytree(source.root / "specs", root / "specs")
        shutil.copytree(repo / "templates", root / "templates")
        run = subprocess.run(
            [sys.executable, "-c", "from generator.cli import run; run()", "--root", str(root), "generate"],
            cwd=tmp_path,
            env={"PYTHONHASHSEED": seed, "PYTHONPATH": str(repo), "PATH": ""},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stderr
        digests.append(
            {
                p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted((root / "generated").rglob("*"))
                if p.is_file()
            }
        )
    assert digests[0] == digests[1] and len(digests[0]) > 20
