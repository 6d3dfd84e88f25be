import types

import pytest

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.clouds import resolve_cloud
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.credentials import (
    AUTH_SOURCES,
    CredentialError,
    StaticTokenCredential,
    build_credential,
)


class Recorder:
    """Stands in for one azure.identity credential class and records how it was built."""

    def __init__(self, name):
        self.name = name

    def __call__(self, *args, **kwargs):
        return types.SimpleNamespace(cls=self.name, args=args, kwargs=kwargs)


@pytest.fixture
def identity():
    names = ["AzureCliCredential", "EnvironmentCredential", "ManagedIdentityCredential",
             "WorkloadIdentityCredential", "DefaultAzureCredential"]
    return types.SimpleNamespace(**{n: Recorder(n) for n in names})


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for var in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE"):
        monkeypatch.delenv(var, raising=False)


PUBLIC = resolve_cloud("public")
CHINA = resolve_cloud("china")


def test_every_auth_source_is_covered():
    assert set(AUTH_SOURCES) == {"auto", "cli", "env", "msi", "workload_identity", "access_token"}


def test_cli(identity):
    cred, source = build_credential("cli", PUBLIC, tenant_id="t", identity=identity)
    assert cred.cls == "AzureCliCredential" and cred.kwargs == {"tenant_id": "t"}
    assert source == "Azure CLI"


def test_env_uses_the_cloud_authority(identity):
    cred, dummy = build_credential("env", CHINA, identity=identity)
    assert cred.cls == "EnvironmentCredential"
    assert cred.kwargs["authority"] == "login.chinacloudapi.cn"


def test_msi_user_assigned(identity):
    cred, source = build_credential("msi", PUBLIC, client_id="abc", identity=identity)
    assert cred.cls == "ManagedIdentityCredential" and cred.kwargs == {"client_id": "abc"}
    assert "abc" in source


def test_msi_system_assigned(identity):
    cred, dummy = build_credential("msi", PUBLIC, identity=identity)
    assert cred.kwargs == {}


def test_workload_identity_from_options(identity, tmp_path):
    token = tmp_path / "token"
    token.write_text("jwt")
    cred, dummy = build_credential("workload_identity", PUBLIC, tenant_id="t", client_id="c",
                                   federated_token_file=str(token), identity=identity)
    assert cred.cls == "WorkloadIdentityCredential"
    assert cred.kwargs == {"tenant_id": "t", "client_id": "c", "token_file_path": str(token),
                           "authority": "login.microsoftonline.com"}


def test_workload_identity_from_environment(identity, monkeypatch):
    monkeypatch.setenv("AZURE_TENANT_ID", "t")
    monkeypatch.setenv("AZURE_CLIENT_ID", "c")
    monkeypatch.setenv("AZURE_FEDERATED_TOKEN_FILE", "/var/run/secrets/azure/tokens/azure-identity-token")
    cred, dummy = build_credential("workload_identity", PUBLIC, identity=identity)
    assert cred.kwargs["token_file_path"].endswith("azure-identity-token")


@pytest.mark.parametrize("missing, kwargs", [
    ("tenant_id", dict(client_id="c", federated_token_file="/f")),
    ("client_id", dict(tenant_id="t", federated_token_file="/f")),
    ("federated_token_file", dict(tenant_id="t", client_id="c")),
])
def test_workload_identity_names_the_missing_option(identity, missing, kwargs):
    with pytest.raises(CredentialError, match=missing):
        build_credential("workload_identity", PUBLIC, identity=identity, **kwargs)


def test_auto_is_the_default_chain_without_prompts(identity):
    cred, dummy = build_credential("auto", PUBLIC, client_id="c", tenant_id="t", identity=identity)
    assert cred.cls == "DefaultAzureCredential"
    assert cred.kwargs["exclude_interactive_browser_credential"] is True
    assert cred.kwargs["managed_identity_client_id"] == "c"
    assert cred.kwargs["workload_identity_tenant_id"] == "t"


def test_auto_prefers_an_explicit_access_token(identity):
    cred, source = build_credential("auto", PUBLIC, access_token="tok", identity=identity)
    assert isinstance(cred, StaticTokenCredential) and source == "access_token"


def test_access_token_source():
    cred, dummy = build_credential("access_token", PUBLIC, access_token="secret-token")
    token = cred.get_token("https://management.azure.com/.default")
    assert token.token == "secret-token"
    assert cred.get_token_info("x").token == "secret-token"
    assert "secret-token" not in repr(cred)


def test_access_token_source_needs_a_token():
    with pytest.raises(CredentialError, match="access_token"):
        build_credential("access_token", PUBLIC)


def test_unknown_source_names_the_option():
    with pytest.raises(CredentialError) as err:
        build_credential("password", PUBLIC)
    assert "auth_source='password'" in str(err.value)


def test_real_azure_identity_classes_are_built():
    # No network: azure-identity builds credentials lazily.
    for source, cls in [("cli", "AzureCliCredential"), ("msi", "ManagedIdentityCredential"),
                        ("auto", "DefaultAzureCredential")]:
        cred, dummy = build_credential(source, PUBLIC)
        assert type(cred).__name__ == cls
