"""The repository itself: generated/ is fresh, and the generated package installs and imports."""

from __future__ import annotations

import json
import subprocess
import venv
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import main

REPO = Path(__file__).resolve().parent.parent


def test_capgen_check_passes_on_the_repository() -> None:
    result = CliRunner().invoke(main, ["--root", str(REPO), "check"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output


@pytest.mark.slow
def test_generated_package_installs_into_a_clean_venv_and_imports(tmp_path) -> None:
    """`pip install generated/python` in an environment that has nothing else, then use it."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(REPO / "generated/python")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    bundle = yaml.safe_load((REPO / "generated/openapi/v2.yaml").read_text())
    lookup = bundle["paths"]["/v2/customers/lookup"]["get"]["responses"]["200"]["content"]["application/json"]
    script = (
        "import capillary, httpx, json, sys\n"
        "from capillary import Capillary\n"
        "seen = []\n"
        "def reply(request):\n"
        "    seen.append(request)\n"
        f"    return httpx.Response(200, json=json.loads({json.dumps(json.dumps(lookup['example']))}),\n"
        "                          headers={'X-Cap-Requestid': 'req-42'})\n"
        "client = Capillary(cluster='eu', till='store.server', password='server123',\n"
        "                   http_client=httpx.Client(transport=httpx.MockTransport(reply)))\n"
        "result = client.v2.customers.lookup(source='INSTORE', identifier_name='mobile',\n"
        "                                    identifier_value='919800000001')\n"
        "print(capillary.__file__)\n"
        "print(result.request_id, seen[0].url.host, seen[0].url.path, seen[0].headers['authorization'])\n"
    )
    run = subprocess.run([str(python), "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    where, call = run.stdout.splitlines()
    assert where.startswith(str(env_dir))  # imported from the venv, not from the repository
    assert call == (
        "req-42 eu.intouch.capillarytech.com /v2/customers/lookup "
        "Basic c3RvcmUuc2VydmVyOjhhMTZhNmI3MDUwNWViMWYxZmY3Y2RjMGNkNTU1OWE3"
    )
