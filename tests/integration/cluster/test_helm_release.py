"""The Helm step of the cluster roles (role helm_release) with the real helm binary and a local chart repository:
the pinned version is pulled once, its SHA-256 is checked (a mismatch fails with expected and actual digests and
installs nothing), values reach the release, an unchanged rerun changes nothing, check mode writes nothing.

Runs against the Kubernetes emulator, and against the cluster of KUBECONFIG (marker cloud) - the chart is local.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import subprocess
import threading

import pytest
import yaml

from support.cluster import package_standin
from support.ports import free_port
from support.playbook import run_playbook

pytestmark = pytest.mark.slow

PLAYBOOK = "tests/integration/cluster/playbooks/helm_release.yml"


@pytest.fixture
def chart_repo(helm_binary, tmp_path):
    """An HTTP chart repository on loopback with chart `demo` 1.0.0 and 1.1.0."""
    repo = tmp_path / "repo"
    repo.mkdir()
    digests = {}
    for version in ("1.0.0", "1.1.0"):
        archive = package_standin(helm_binary, tmp_path / ("src-" + version), "demo", version)
        target = repo / archive.name
        archive.rename(target)
        digests[version] = hashlib.sha256(target.read_bytes()).hexdigest()
    port = free_port()
    url = "http://127.0.0.1:%d" % port
    subprocess.run([helm_binary, "repo", "index", str(repo), "--url", url], check=True, capture_output=True)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(repo))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url, digests
    finally:
        server.shutdown()
        server.server_close()


def _run(kube, tmp_path, helm, repo_url, check=False, **variables):
    render = tmp_path / "render"
    render.mkdir(exist_ok=True)
    extra = {"render_dir": str(render), "helm_release_name": "demo", "helm_release_namespace": kube.namespace,
             "helm_release_chart_ref": "demo", "helm_release_chart_repo_url": repo_url,
             "helm_release_chart_version": "1.0.0", "helm_release_binary": helm,
             "helm_release_cache_dir": str(tmp_path / "charts")}
    extra.update(variables)
    return run_playbook(PLAYBOOK, extra_vars=extra, env=kube.env(), check=check)


def _values(kube):
    import kubernetes

    cm = kubernetes.client.CoreV1Api(kube.api_client()).read_namespaced_config_map("demo-values", kube.namespace)
    return yaml.safe_load(cm.data["values.yaml"])


def _release(kube, helm):
    out = subprocess.run([helm, "list", "-n", kube.namespace, "-o", "yaml", "--kubeconfig", kube.kubeconfig_path],
                         check=True, capture_output=True, text=True).stdout
    return {r["name"]: r for r in yaml.safe_load(out)}


def test_pinned_checksummed_release_values_and_idempotent_upgrade(kube, tmp_path, helm_binary, emulator_helm,
                                                                  chart_repo):
    repo_url, digests = chart_repo
    helm = emulator_helm if kube.is_emulator else helm_binary

    first = _run(kube, tmp_path, helm, repo_url, helm_release_chart_sha256=digests["1.0.0"],
                 release_values={"replicas": 2, "tier": "gpu"})
    assert first.rc == 0, str(first)
    assert first.changed >= 1
    assert _values(kube)["replicas"] == 2
    assert _release(kube, helm_binary)["demo"]["chart"] == "demo-1.0.0"
    cached = list((tmp_path / "charts").rglob("*.tgz"))
    assert [p.name for p in cached] == ["demo-1.0.0.tgz"]

    if kube.is_emulator:
        kube.emulator.clear_requests()
    again = _run(kube, tmp_path, helm, repo_url, helm_release_chart_sha256=digests["1.0.0"],
                 release_values={"replicas": 2, "tier": "gpu"})
    assert again.rc == 0, str(again)
    assert again.changed == 0, str(again)
    if kube.is_emulator:
        assert kube.emulator.writes() == []

    check = _run(kube, tmp_path, helm, repo_url, check=True, helm_release_chart_sha256=digests["1.0.0"],
                 release_values={"replicas": 3, "tier": "gpu"})
    assert check.rc == 0, str(check)
    assert check.changed >= 1
    assert _values(kube)["replicas"] == 2
    if kube.is_emulator:
        assert kube.emulator.writes() == []

    upgraded = _run(kube, tmp_path, helm, repo_url, helm_release_chart_sha256=digests["1.0.0"],
                    release_values={"replicas": 3, "tier": "gpu"})
    assert upgraded.rc == 0, str(upgraded)
    assert upgraded.changed >= 1
    assert _values(kube)["replicas"] == 3
    assert _release(kube, helm_binary)["demo"]["revision"] == "2"


def test_checksum_mismatch_installs_nothing(kube, tmp_path, helm_binary, emulator_helm, chart_repo):
    repo_url, digests = chart_repo
    helm = emulator_helm if kube.is_emulator else helm_binary
    wrong = digests["1.0.0"]           # the digest of another version
    run = _run(kube, tmp_path, helm, repo_url, helm_release_chart_version="1.1.0", helm_release_chart_sha256=wrong)
    assert run.rc != 0
    text = " ".join(run.stdout.split())
    assert "Checksum mismatch for chart demo 1.1.0" in text, str(run)
    assert "expected sha256 %s, actual %s" % (wrong, digests["1.1.0"]) in text, str(run)
    assert "demo" not in _release(kube, helm_binary)

    pinned = _run(kube, tmp_path, helm, repo_url, helm_release_chart_version="1.1.0",
                  helm_release_chart_sha256=digests["1.1.0"])
    assert pinned.rc == 0, str(pinned)
    assert _release(kube, helm_binary)["demo"]["chart"] == "demo-1.1.0"
