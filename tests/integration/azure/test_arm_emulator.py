"""The ARM emulator follows the ARM REST contract the azure-mgmt clients expect (see tests/emulators/arm/CONTRACT.md).

Raw HTTPS requests check status codes, headers and error bodies; the real SDK clients check that they cannot tell
the difference. One test runs the emulator as a process (``python -m emulators.arm``).
"""

from __future__ import annotations

import concurrent.futures
import json
import ssl
import time
import urllib.error
import urllib.request

import pytest

from emulators.arm.fixture import fake_access_token
from support.tls import ca_bundle_path

SUB = "6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f"
AKS = "/subscriptions/%s/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/aks1" % SUB
AKS_API = "2026-08-01"
RG_API = "2025-04-01"


class Http:
    def __init__(self, url, token="token"):
        self.url = url.rstrip("/")
        self.context = ssl.create_default_context(cafile=ca_bundle_path())
        self.token = token

    def __call__(self, method, path, body=None, api_version=None, headers=None):
        address = self.url + path
        if api_version:
            address += ("&" if "?" in path else "?") + "api-version=" + api_version
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(address, data=data, method=method,
                                         headers=dict({"Content-Type": "application/json"}, **(headers or {})))
        if self.token:
            request.add_header("Authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=30) as response:
                text = response.read().decode()
                return response.status, dict(response.headers), json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            text = error.read().decode()
            return error.code, dict(error.headers), json.loads(text) if text else None


@pytest.fixture
def http(arm_emulator):
    return Http(arm_emulator.url)


def group(http, name="rg1"):
    status, _headers, _body = http("PUT", "/subscriptions/%s/resourcegroups/%s" % (SUB, name), {"location": "westeurope"}, RG_API)
    assert status in (200, 201)


def cluster_body():
    return {"location": "westeurope",
            "properties": {"agentPoolProfiles": [{"name": "system", "mode": "System", "count": 1,
                                                  "vmSize": "Standard_D4ds_v5"}]}}


def error_code(body):
    return body["error"]["code"]


def test_api_version_is_required_and_checked(http):
    status, _headers, body = http("GET", "/subscriptions/%s/resourcegroups/rg1" % SUB)
    assert status == 400 and error_code(body) == "MissingApiVersionParameter"
    status, _headers, body = http("GET", "/subscriptions/%s/resourcegroups/rg1" % SUB, api_version="2099-01-01")
    assert status == 400 and error_code(body) == "InvalidApiVersionParameter" and RG_API in body["error"]["message"]
    group(http)
    status, _headers, body = http("GET", AKS, api_version="2019-01-01")
    assert status == 400 and error_code(body) == "NoRegisteredProviderFound" and "2024-05-01" in body["error"]["message"]
    status, _headers, body = http("GET", "/subscriptions/%s/resourceGroups/rg1/providers/Microsoft.Nope/things/x" % SUB,
                                  api_version="2024-01-01")
    assert status == 400 and error_code(body) == "InvalidResourceType"


def test_not_found_errors_are_arms(http):
    status, _headers, body = http("GET", AKS, api_version=AKS_API)
    assert status == 404 and error_code(body) == "ResourceGroupNotFound"
    group(http)
    status, _headers, body = http("GET", AKS, api_version=AKS_API)
    assert status == 404 and error_code(body) == "ResourceNotFound" and "aka.ms/ARMResourceNotFoundFix" in body["error"]["message"]
    status, _headers, body = http("PUT", AKS + "/agentPools/gpu", {"properties": {"count": 1}}, AKS_API)
    assert status == 404 and error_code(body) == "ParentResourceNotFound"
    status, _headers, body = http("GET", "/subscriptions/not-a-guid/resourcegroups", api_version=RG_API)
    assert status == 400 and error_code(body) == "InvalidSubscriptionId"
    status, _headers, body = http("GET", "/subscriptions/%s/resourcegroups" % SUB.replace("6f", "7f"), api_version=RG_API)
    assert status == 404 and error_code(body) == "SubscriptionNotFound"


def test_bodies_are_checked_against_the_specs(http):
    group(http)
    status, _headers, body = http("PUT", AKS, {"properties": {}}, AKS_API)
    assert status == 400 and error_code(body) == "LocationRequired"
    bad = cluster_body()
    bad["properties"]["networkProfile"] = {"outboundType": "carrierPigeon"}
    status, _headers, body = http("PUT", AKS, bad, AKS_API)
    assert status == 400 and error_code(body) == "InvalidParameter"
    assert body["error"]["target"] == "properties.networkProfile.outboundType"
    bad = cluster_body()
    bad["properties"]["agentPoolProfiles"][0]["count"] = "three"
    status, _headers, body = http("PUT", AKS, bad, AKS_API)
    assert status == 400 and error_code(body) == "InvalidRequestContent"
    fic = "/subscriptions/%s/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1" % SUB
    http("PUT", fic, {"location": "westeurope"}, "2024-11-30")
    status, _headers, body = http("PUT", fic + "/federatedIdentityCredentials/fic1",
                                  {"properties": {"issuer": "https://x", "subject": "s"}}, "2024-11-30")
    assert status == 400 and body["error"]["target"] == "properties.audiences"
    status, _headers, body = http("PUT", "/subscriptions/%s/resourceGroups/rg1/providers/Microsoft.ContainerService/"
                                  "managedClusters/aks1/agentPools/Bad_Pool" % SUB, {"properties": {}}, AKS_API)
    assert status in (400, 404)


def test_long_running_put_and_delete(http, arm_emulator):
    group(http)
    arm_emulator.set_latency(types={"Microsoft.ContainerService/managedClusters": 0.6})
    status, headers, body = http("PUT", AKS, cluster_body(), AKS_API)
    assert status == 201 and body["properties"]["provisioningState"] == "Creating"
    assert "Azure-AsyncOperation" in headers and "Location" in headers and "retry-after-ms" in headers
    operation = headers["Azure-AsyncOperation"].replace(arm_emulator.url.rstrip("/"), "")
    status, _headers, body = http("GET", operation)
    assert status == 200 and body["status"] == "InProgress"
    status, _headers, cluster = http("GET", AKS, api_version=AKS_API)
    assert cluster["properties"]["provisioningState"] == "Creating"
    time.sleep(0.7)
    status, _headers, body = http("GET", operation)
    assert body["status"] == "Succeeded"
    status, _headers, cluster = http("GET", AKS, api_version=AKS_API)
    props = cluster["properties"]
    assert props["provisioningState"] == "Succeeded" and props["fqdn"].endswith(".hcp.westeurope.azmk8s.io")
    assert props["nodeResourceGroup"] == "MC_rg1_aks1_westeurope"
    assert props["identityProfile"]["kubeletidentity"]["objectId"]
    assert cluster["identity"]["principalId"] and cluster["etag"] and cluster["systemData"]["createdAt"]
    assert [p["name"] for p in props["agentPoolProfiles"]] == ["system"]
    status, _headers, pools = http("GET", AKS + "/agentPools", api_version=AKS_API)
    assert [p["name"] for p in pools["value"]] == ["system"]
    # a second PUT while one is running is refused
    http("PUT", AKS, cluster_body(), AKS_API)
    status, _headers, body = http("PUT", AKS, cluster_body(), AKS_API)
    assert status == 409 and error_code(body) == "OperationNotAllowed"
    arm_emulator.settle()
    status, headers, _body = http("DELETE", AKS, api_version=AKS_API)
    assert status == 202 and "Location" in headers
    result = headers["Location"].replace(arm_emulator.url.rstrip("/"), "")
    assert http("GET", result)[0] == 202
    time.sleep(0.7)
    assert http("GET", result)[0] == 204
    assert http("GET", AKS, api_version=AKS_API)[0] == 404
    assert http("DELETE", AKS, api_version=AKS_API)[0] == 204


def test_fault_injection_and_request_log(http, arm_emulator):
    group(http)
    path = "/subscriptions/%s/resourcegroups/rg1" % SUB
    arm_emulator.add_fault(kind="status", status=429, retry_after=7, method="GET", path="resourcegroups/rg1$", count=1)
    arm_emulator.add_fault(kind="status", status=503, method="GET", path="resourcegroups/rg1$", count=1)
    status, headers, body = http("GET", path, api_version=RG_API)
    assert status == 429 and headers["Retry-After"] == "7" and error_code(body) == "TooManyRequests"
    status, _headers, body = http("GET", path, api_version=RG_API)
    assert status == 503 and error_code(body) == "ServiceUnavailable"
    assert http("GET", path, api_version=RG_API)[0] == 200
    arm_emulator.add_fault(kind="reset", method="GET", path="resourcegroups/rg1$", count=1)
    with pytest.raises((ConnectionError, urllib.error.URLError, OSError)):
        http("GET", path, api_version=RG_API)
    arm_emulator.add_fault(kind="authorization_failed", method="DELETE", path="resourcegroups/rg1$", count=1)
    status, _headers, body = http("DELETE", path, api_version=RG_API)
    assert status == 403 and "Microsoft.Resources/subscriptions/resourceGroups/delete" in body["error"]["message"]
    log = arm_emulator.requests(path="resourcegroups/rg1$")
    assert [(e["method"], e["status"]) for e in log] == [
        ("PUT", 201), ("GET", 429), ("GET", 503), ("GET", 200), ("GET", "reset"), ("DELETE", 403)]
    assert log[0]["api_version"] == RG_API and log[0]["body"] == {"location": "westeurope"}


def test_lro_can_end_failed_or_canceled(http, arm_emulator):
    group(http)
    arm_emulator.add_fault(kind="lro_failed", method="PUT", path="aks1$", code="QuotaExceeded", message="No quota.")
    status, headers, _body = http("PUT", AKS, cluster_body(), AKS_API)
    time.sleep(0.1)
    operation = http("GET", headers["Azure-AsyncOperation"].replace(arm_emulator.url.rstrip("/"), ""))[2]
    assert operation["status"] == "Failed" and operation["error"] == {"code": "QuotaExceeded", "message": "No quota."}
    assert http("GET", AKS, api_version=AKS_API)[2]["properties"]["provisioningState"] == "Failed"
    arm_emulator.add_fault(kind="lro_canceled", method="PUT", path="aks1$")
    status, headers, _body = http("PUT", AKS, cluster_body(), AKS_API)
    time.sleep(0.1)
    assert http("GET", AKS, api_version=AKS_API)[2]["properties"]["provisioningState"] == "Canceled"


def test_latency_table_at_runtime_and_scaled_profile(arm_emulator):
    table = arm_emulator.set_latency(profile="scaled")
    assert table["types"]["microsoft.containerservice/managedclusters"] == pytest.approx(6.0)
    assert table["types"]["microsoft.network/virtualnetworkgateways"] == pytest.approx(18.0)
    assert table["types"]["microsoft.cache/redisenterprise"] == pytest.approx(9.0)
    assert table["default"] == pytest.approx(0.6)
    table = arm_emulator.set_latency(types={"Microsoft.DBforPostgreSQL/flexibleServers": 1.5})
    assert table["types"]["microsoft.dbforpostgresql/flexibleservers"] == 1.5


def test_authentication_role_definitions_and_provider_registration(http, arm_emulator):
    assert Http(arm_emulator.url, token=None)("GET", "/subscriptions/%s" % SUB, api_version=RG_API)[0] == 401
    scope = "/subscriptions/%s" % SUB
    status, _headers, body = http("GET", scope + "/providers/Microsoft.Authorization/roleDefinitions?$filter=roleName%20eq%20'AcrPull'",
                                  api_version="2022-04-01")
    assert status == 200 and [d["name"] for d in body["value"]] == ["7f951dda-4ed3-4680-a7ca-43fe172d538d"]
    arm_emulator.configure(unregistered_providers=["Microsoft.KubernetesConfiguration"])
    provider = "/subscriptions/%s/providers/Microsoft.KubernetesConfiguration" % SUB
    assert http("GET", provider, api_version=RG_API)[2]["registrationState"] == "NotRegistered"
    assert http("POST", provider + "/register", {}, RG_API)[2]["registrationState"] == "Registering"
    time.sleep(0.1)
    body = http("GET", provider, api_version=RG_API)[2]
    assert body["registrationState"] == "Registered"
    assert any(t["resourceType"] == "extensions" and "2023-05-01" in t["apiVersions"] for t in body["resourceTypes"])


def test_concurrent_clients_see_one_consistent_arm(http, arm_emulator):
    group(http)
    base = "/subscriptions/%s/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" % SUB

    def create(i):
        return http("PUT", base + "id-%02d" % i, {"location": "westeurope"}, "2024-11-30")[0]

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(create, range(24)))
    assert statuses == [201] * 24
    listed = http("GET", base.rstrip("/"), api_version="2024-11-30")[2]["value"]
    assert len(listed) == 24 and len({i["properties"]["principalId"] for i in listed}) == 24


def test_sdk_client_through_the_custom_cloud(arm_emulator):
    """azure-mgmt-resource reaches the emulator via the custom-cloud URL and the access_token source."""
    from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.clients import build_client
    from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.clouds import resolve_cloud
    from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.credentials import StaticTokenCredential

    client = build_client("resource", StaticTokenCredential(fake_access_token(arm_emulator.tenant_id)), SUB,
                          resolve_cloud(arm_emulator.url), ca_bundle=ca_bundle_path())
    client.resource_groups.create_or_update("rg-sdk", {"location": "West Europe"})
    assert [g.name for g in client.resource_groups.list()] == ["rg-sdk"]
    assert client.resource_groups.get("RG-SDK").location == "westeurope"


def test_emulator_as_a_process_serves_metadata_and_admin(arm_emulator_process):
    admin = arm_emulator_process
    url = admin.info["url"]
    context = ssl.create_default_context(cafile=ca_bundle_path())
    with urllib.request.urlopen(url + "metadata/endpoints?api-version=2022-09-01", context=context) as response:
        metadata = json.loads(response.read().decode())
    assert metadata[0]["resourceManager"] == url and metadata[0]["authentication"]["audiences"] == [url]
    http = Http(url)
    group(http, "rg-process")
    assert [(r["method"], r["status"]) for r in admin.requests()] == [("PUT", 201)]
    admin.add_fault(kind="status", status=500, method="GET", path="rg-process$", count=1)
    assert http("GET", "/subscriptions/%s/resourcegroups/rg-process" % SUB, api_version=RG_API)[0] == 500
    assert admin.resource("/subscriptions/%s/resourceGroups/rg-process" % SUB)["location"] == "westeurope"
    admin.reset()
    assert admin.resources() == [] and admin.requests() == []
