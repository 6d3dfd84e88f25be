"""Every emulator's process mode (``python -m emulators.<name>``, emulators/process.py): one JSON line once it
serves, a request answered, and a clean exit on SIGTERM, which is how fixtures and benchmarks stop them."""

from __future__ import annotations

import base64
import json
import pathlib
import signal
import subprocess
import sys

import pytest
import requests
import yaml

from support.paths import PROJECT_ROOT
from support.tls import ca_bundle_path, write_server_files

# emulator -> (extra arguments, a path every client can read without a token, the field the ready line must have)
EMULATORS = {
    "arm": (["--cert", "{cert}", "--key", "{key}"], "metadata/endpoints?api-version=2022-09-01", "subscription_id"),
    "awx": (["--cert", "{cert}", "--key", "{key}"], "/api/v2/ping/", "port"),
    "osmo": (["--cert", "{cert}", "--key", "{key}"], "/api/version", "port"),
    "k8s": (["--kubeconfig", "{tmp}/kubeconfig"], "/livez", "kubeconfig"),
    "azureml": ([], None, "token"),
}


def _trusted_ca(ready: dict, tmp_path) -> str:
    """The test CA, or for the Kubernetes emulator (its own CA, per process) the one in the kubeconfig it wrote."""
    if not ready.get("kubeconfig"):
        return ca_bundle_path()
    config = yaml.safe_load(pathlib.Path(ready["kubeconfig"]).read_text())
    ca = tmp_path / "k8s-ca.pem"
    ca.write_bytes(base64.b64decode(config["clusters"][0]["cluster"]["certificate-authority-data"]))
    return str(ca)


@pytest.mark.parametrize("name", sorted(EMULATORS))
def test_process_prints_its_address_serves_and_stops_on_sigterm(name, tmp_path):
    cert, key = write_server_files(tmp_path / "tls")
    extra, path, field = EMULATORS[name]
    cmd = [sys.executable, "-m", "emulators.%s" % name, "--port", "0"]
    cmd += [arg.format(cert=cert, key=key, tmp=tmp_path) for arg in extra]
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT / "tests", stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        line = proc.stdout.readline()
        assert line, "%s printed nothing: %s" % (name, proc.stderr.read() if proc.poll() is not None else "")
        ready = json.loads(line)
        assert ready["url"].startswith("https://") and field in ready
        if path:
            url = ready["url"].rstrip("/") + "/" + path.lstrip("/")
            response = requests.get(url, verify=_trusted_ca(ready, tmp_path), timeout=10)
            assert response.status_code < 500, response.text
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0, proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
