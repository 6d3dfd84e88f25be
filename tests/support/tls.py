"""A throw-away certificate authority for emulators that must speak TLS.

azure-core refuses to send bearer tokens over plain HTTP, so emulated Azure
endpoints serve HTTPS with a certificate from this CA; clients trust it through
``ca_bundle`` / ``REQUESTS_CA_BUNDLE`` / ``connection_verify``. Verification is
never switched off.
"""

from __future__ import annotations

import functools
import pathlib
import ssl
import tempfile

import trustme


@functools.lru_cache(maxsize=None)
def test_ca() -> trustme.CA:
    return trustme.CA(organization_name="azure_robotics.stack test CA")


@functools.lru_cache(maxsize=None)
def ca_bundle_path() -> str:
    """PEM file of the test CA (one per test process)."""
    directory = pathlib.Path(tempfile.mkdtemp(prefix="azure-robotics-ca-"))
    path = directory / "ca.pem"
    test_ca().cert_pem.write_to_path(str(path))
    return str(path)


def server_context(*hostnames: str) -> ssl.SSLContext:
    """An SSLContext for a server answering as ``hostnames`` (default: 127.0.0.1 and localhost)."""
    cert = test_ca().issue_cert(*(hostnames or ("127.0.0.1", "localhost")))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return context


def write_server_files(directory: str | pathlib.Path, *hostnames: str) -> tuple[str, str]:
    """Writes cert+chain and key PEM files for a server running as a separate process."""
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    cert = test_ca().issue_cert(*(hostnames or ("127.0.0.1", "localhost")))
    cert_path, key_path = directory / "server.pem", directory / "server.key"
    cert.cert_chain_pems[0].write_to_path(str(cert_path))
    for extra in cert.cert_chain_pems[1:]:
        extra.write_to_path(str(cert_path), append=True)
    cert.private_key_pem.write_to_path(str(key_path))
    return str(cert_path), str(key_path)
