"""The consumer's side of the API contract: a typed Python client generated, at test time, from the
schema the live server publishes at ``/api/schema/`` (openapi-python-client), as a partner or a staff
app's developer would generate it. The flows in this package use only that client's functions and models,
so a schema change that breaks a client (a renamed operation, field or enum value, a response that no
longer parses, a status the schema stops declaring) fails them.

The client is generated once per session into a temporary directory (never committed); generation reads
the schema file given to it and needs no network."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
import requests

CONFIG = Path(__file__).with_name("client-config.yaml")
PACKAGE = "consular_client"


def _forget_package() -> None:
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


@pytest.fixture(scope="session")
def api_schema(live_server, tmp_path_factory) -> Path:
    """The schema as the running service publishes it (no credentials: the schema is public)."""
    response = requests.get(f"{live_server.url}/api/schema/", timeout=30)
    assert response.status_code == 200, response.text[:500]
    path = tmp_path_factory.mktemp("contract") / "schema.yaml"
    path.write_bytes(response.content)
    return path


@pytest.fixture(scope="session")
def generated_client(api_schema):
    """The package ``consular_client``, generated from ``api_schema`` and imported."""
    output = api_schema.parent / PACKAGE  # with ``--meta none`` the output directory is the package
    result = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(api_schema),
            "--output-path",
            str(output),
            "--meta",
            "none",
            "--config",
            str(CONFIG),
            "--fail-on-warning",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"client generation failed:\n{result.stdout}\n{result.stderr}"
    sys.path.insert(0, str(output.parent))
    _forget_package()
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(output.parent))
        _forget_package()


@pytest.fixture
def typed_client(generated_client, live_server):
    """``typed_client(token, prefix)``: the generated client against the live server with a credential,
    raising on any status the schema does not declare for the operation. Its connections are closed
    after the test (the live server keeps a database session per open connection)."""
    opened = []

    def make(token: str, prefix: str = "Bearer"):
        client = generated_client.AuthenticatedClient(
            base_url=live_server.url,
            token=token,
            prefix=prefix,
            headers={"Accept-Language": "en"},
            raise_on_unexpected_status=True,
        )
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.get_httpx_client().close()
