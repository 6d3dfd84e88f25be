"""Kubernetes client configuration from kubernetes.core-style connection options (no request is made)."""

from __future__ import annotations

import pytest

from ansible_collections.azure_robotics.stack.plugins.module_utils.k8s.connection import (
    KubeConnectionError,
    api_client,
)

KUBECONFIG = {
    "apiVersion": "v1", "kind": "Config", "current-context": "a",
    "clusters": [{"name": "a", "cluster": {"server": "https://a.example:443"}},
                 {"name": "b", "cluster": {"server": "https://b.example:443"}}],
    "users": [{"name": "u", "user": {"token": "t0k"}}],
    "contexts": [{"name": "a", "context": {"cluster": "a", "user": "u"}},
                 {"name": "b", "context": {"cluster": "b", "user": "u"}}],
}


def test_kubeconfig_mapping_and_context():
    client = api_client({"kubeconfig": KUBECONFIG, "context": "b"}, "tests/1")
    assert client.configuration.host == "https://b.example:443"
    assert client.configuration.auth_settings()["BearerToken"]["value"] == "Bearer t0k"
    assert client.user_agent == "tests/1"


def test_host_and_api_key_need_no_kubeconfig():
    client = api_client({"host": "https://aks.example/", "api_key": "entra-token", "ca_cert": "/tmp/ca.pem"}, "t")
    assert client.configuration.host == "https://aks.example"
    assert client.configuration.auth_settings()["BearerToken"]["value"] == "Bearer entra-token"
    assert client.configuration.ssl_ca_cert == "/tmp/ca.pem" and client.configuration.verify_ssl is True


def test_turning_verification_off_is_reported():
    warnings = []
    client = api_client({"kubeconfig": KUBECONFIG, "validate_certs": False}, "t", warnings.append)
    assert client.configuration.verify_ssl is False
    assert warnings == ["validate_certs=false: the API server's certificate is not verified"]


def test_missing_credentials_say_what_to_set(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(KubeConnectionError, match="set kubeconfig"):
        api_client({}, "t")
