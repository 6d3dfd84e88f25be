"""ansible-builder create on meta/execution-environment.yml (via scripts/build-ee.sh --create-only)."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile

import yaml

from support.paths import PROJECT_ROOT, VENV_BIN


def test_build_context_holds_every_requirement(tmp_path):
    env = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}"}
    subprocess.run([str(PROJECT_ROOT / "scripts/build-ee.sh"), "--create-only", "--output", str(tmp_path)],
                   check=True, env=env, capture_output=True, text=True, timeout=300)
    build = tmp_path / "context" / "_build"
    assert (build / "requirements.txt").read_text() == (PROJECT_ROOT / "requirements.txt").read_text()
    assert (build / "bindep.txt").read_text() == (PROJECT_ROOT / "bindep.txt").read_text()
    galaxy = yaml.safe_load((build / "requirements.yml").read_text())
    names = [c["name"] for c in galaxy["collections"]]
    assert names[:2] == ["kubernetes.core", "awx.awx"]
    with tarfile.open(build / "collection" / "azure_robotics-stack.tar.gz") as archive:
        members = set(archive.getnames())
        manifest = yaml.safe_load(archive.extractfile("MANIFEST.json"))
    assert manifest["collection_info"]["namespace"] == "azure_robotics"
    assert {"meta/execution-environment.yml", "requirements.txt", "playbooks/awx/configure.yml"} <= members
    containerfile = (tmp_path / "context" / "Containerfile").read_text()
    assert "--user-pip=requirements.txt" in containerfile and "--user-bindep=bindep.txt" in containerfile
    assert 'sha256sum -c -' in containerfile and "get.helm.sh/helm-${HELM_VERSION}" in containerfile
    assert "dl.k8s.io/release/${KUBECTL_VERSION}" in containerfile

    # Installed in another EE, the collection declares the same requirements (paths relative to its root).
    collections = tmp_path / "installed"
    subprocess.run([str(VENV_BIN / "ansible-galaxy"), "collection", "install", "--no-deps", "--force", "-p", str(collections),
                    str(build / "collection" / "azure_robotics-stack.tar.gz")], check=True, capture_output=True,
                   timeout=300)
    out = subprocess.run([sys.executable, str(build / "scripts" / "introspect.py"), "introspect", str(collections)],
                         check=True, capture_output=True, text=True, timeout=120).stdout
    assert "azure-identity>=1.19.0" in out and "git [platform:dpkg platform:rpm]" in out
