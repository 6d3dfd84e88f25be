"""Per-type knowledge: validation real ARM/RPs do, server-populated fields, actions, derived views.

Every type not listed here gets :class:`Generic` (location normalised and immutable, id/name/type/etag,
``provisioningState``). The AKS, identity, authorization and extension types our modules use carry the
rules those resource providers enforce (documented in CONTRACT.md).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import time
import uuid

from .state import ArmError, Record

AKS_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"

# Supported Kubernetes minor versions and their patches (newest last); DEFAULT is what AKS picks.
KUBERNETES_VERSIONS = {
    "1.32": ["1.32.6", "1.32.7"],
    "1.33": ["1.33.2", "1.33.3"],
    "1.34": ["1.34.0", "1.34.1"],
}
DEFAULT_KUBERNETES_MINOR = "1.33"
NODE_IMAGE_VERSION = "AKSUbuntu-2204gen2containerd-202510.13.0"

# Built-in role definitions (name -> GUID); the same in every tenant.
BUILTIN_ROLES = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Private DNS Zone Contributor": "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "AcrPush": "8311e382-0749-4cb8-b61a-304f252e45ec",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "Storage File Data SMB Share Contributor": "0c867c2a-1d8c-454a-a3db-ab2ea1bdc8bb",
    "Storage File Data Privileged Contributor": "69566ab7-960f-475b-8e7c-b3118f30c6bd",
    "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
    "Monitoring Reader": "43d0d8ad-25c7-4714-9337-8ba259a9fe05",
    "Monitoring Data Reader": "b0d8363b-8ddd-447d-831f-62ca05bff136",
    "Grafana Admin": "22926164-76b3-42b3-bc55-97df8dab3e41",
    "Azure Kubernetes Service Cluster Admin Role": "0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8",
    "Azure Kubernetes Service Contributor Role": "ed7f3fbd-7b88-4dd4-9017-9adb7ce333f8",
    "Azure Kubernetes Service Cluster User Role": "4abbcc35-e782-43d8-92c5-2d3c1bd2986f",
    "Azure Kubernetes Service RBAC Cluster Admin": "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
    "Azure Kubernetes Service RBAC Admin": "3498e952-d568-435e-9b2c-8d77e338d7f7",
    "AzureML Data Scientist": "f6c7c914-8db3-469d-8ca1-694a8f32e121",
    "Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
}

_TAINT = re.compile(r"^[^=:\s]+(=[^:\s]*)?:(NoSchedule|PreferNoSchedule|NoExecute)$")
SPOT_TAINT = "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"
SPOT_LABEL = ("kubernetes.azure.com/scalesetpriority", "spot")


def norm_location(value):
    return value.replace(" ", "").lower() if isinstance(value, str) else value


def stable_guid(*parts) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(str(p).lower() for p in parts)))


def short_hash(*parts, length=8) -> str:
    return hashlib.sha256("/".join(str(p).lower() for p in parts).encode()).hexdigest()[:length]


def get_path(body, *path, default=None):
    node = body
    for part in path:
        if not isinstance(node, dict):
            return default
        lowered = {k.lower(): k for k in node}
        if part.lower() not in lowered:
            return default
        node = node[lowered[part.lower()]]
    return default if node is None else node


def invalid(target, message, code="InvalidParameter", status=400):
    return ArmError(status, code, message, target=target)


class Context:
    """What a behaviour can use: the state, the request and a few helpers."""

    def __init__(self, service, target, api_version, query=None):
        self.service = service
        self.state = service.state
        self.target = target
        self.api_version = api_version
        self.query = query or {}

    @property
    def tenant_id(self):
        return self.state.tenant_id


class Generic:
    provisioning_state = True
    lro: bool | None = None          # None: as the swagger says
    lro_delete: bool | None = None
    conflict_code = "AnotherOperationInProgress"
    immutable: tuple = ()            # property paths (under the body) that cannot change
    immutable_code = "PropertyChangeNotAllowed"
    actions: dict = {}

    def check_put(self, ctx: Context, body: dict, existing: Record | None):
        if existing is not None:
            old, new = norm_location(existing.body.get("location")), norm_location(body.get("location"))
            if old and new and old != new:
                raise ArmError(
                    400, "InvalidResourceLocation",
                    "The resource '%s' already exists in location '%s' in resource group '%s'. A resource with the "
                    "same name cannot be created in location '%s'. Please select a new resource name."
                    % (ctx.target.name, old, ctx.target.resource_group, new))
            for path in self.immutable:
                before, after = get_path(existing.body, *path), get_path(body, *path)
                if after is not None and before is not None and _differs(before, after):
                    raise ArmError(400, self.immutable_code,
                                   "Changing property '%s' is not allowed." % ".".join(path), target=".".join(path))

    def populate(self, ctx: Context, body: dict, existing: Record | None):
        """Fills server-populated fields of the stored body (by default: a system-assigned identity's principal)."""
        system_identity(ctx, body, existing)

    def after_put(self, ctx: Context, record: Record, existing: Record | None):
        """Side effects of a successful PUT (children, principals)."""
        principal = get_path(record.body, "identity", "principalId")
        if principal and not (existing and get_path(existing.body, "identity", "principalId") == principal):
            ctx.state.add_principal(principal, owner=record.key)

    def on_removed(self, state, record: Record):
        """Runs when the record is removed (its own DELETE, or its resource group's); soft deletes keep a copy."""

    def on_succeeded(self, state, record: Record):
        """Runs when the record's long-running operation finished successfully."""

    def on_failed(self, state, record: Record, status: str):
        """Runs when the record's long-running operation failed or was cancelled."""

    def check_delete(self, ctx: Context, record: Record):
        """Raises ArmError when the resource cannot be deleted."""

    def view(self, ctx: Context, record: Record) -> dict:
        return copy.deepcopy(record.body)

    def filter_list(self, ctx: Context, records: list) -> list:
        return records


def system_identity(ctx, body, existing):
    """A system-assigned identity (``SystemAssigned`` or ``SystemAssigned,UserAssigned``) gets a principal."""
    identity = body.get("identity")
    if not isinstance(identity, dict) or "systemassigned" not in (identity.get("type") or "").lower().replace(" ", ""):
        return
    old = get_path(existing.body, "identity", "principalId") if existing else None
    identity["principalId"] = old or stable_guid(ctx.target.id, "system-identity")
    identity["tenantId"] = ctx.tenant_id


def on_removed(state, record: Record):
    behaviour_for(record.type).on_removed(state, record)


def _differs(before, after) -> bool:
    if isinstance(before, str) and isinstance(after, str):
        return before.lower() != after.lower()
    if isinstance(before, list) and isinstance(after, list):
        return sorted(map(json.dumps, before)) != sorted(map(json.dumps, after))
    return before != after


class ResourceGroup(Generic):
    lro = False
    lro_delete = True

    def check_put(self, ctx, body, existing):
        if existing is not None:
            old, new = norm_location(existing.body.get("location")), norm_location(body.get("location"))
            if old and new and old != new:
                raise ArmError(409, "InvalidResourceGroupLocation",
                               "Invalid resource group location '%s'. The Resource group already exists in location "
                               "'%s'." % (new, old))

    def check_delete(self, ctx, record):
        # Resource groups holding resources that are still being created cannot go away mid-operation.
        return None


# -- AKS ---------------------------------------------------------------------------------------------

POOL_IMMUTABLE = (
    ("vmSize",), ("osType",), ("availabilityZones",), ("vnetSubnetID",), ("podSubnetID",), ("maxPods",),
    ("osDiskSizeGB",), ("osDiskType",), ("kubeletDiskType",), ("scaleSetPriority",), ("scaleSetEvictionPolicy",),
    ("spotMaxPrice",), ("enableNodePublicIP",), ("enableEncryptionAtHost",), ("enableUltraSSD",),
    ("gpuInstanceProfile",), ("type",), ("gpuProfile", "driver"),
)
CLUSTER_IMMUTABLE = (
    ("properties", "dnsPrefix"), ("properties", "fqdnSubdomain"), ("properties", "nodeResourceGroup"),
    ("properties", "apiServerAccessProfile", "enablePrivateCluster"),
    ("properties", "apiServerAccessProfile", "privateDNSZone"),
    ("properties", "networkProfile", "serviceCidr"), ("properties", "networkProfile", "dnsServiceIP"),
    ("properties", "networkProfile", "podCidr"), ("properties", "networkProfile", "networkPluginMode"),
    ("properties", "linuxProfile", "adminUsername"),
)


def resolve_kubernetes_version(value, target="properties.kubernetesVersion"):
    """``1.33`` or ``1.33.2`` -> (minor, patch); raises ArmError for unsupported versions."""
    text = str(value).strip()
    minor = ".".join(text.split(".")[:2])
    if minor not in KUBERNETES_VERSIONS or (text.count(".") == 2 and text not in KUBERNETES_VERSIONS[minor]):
        raise ArmError(400, "K8sVersionNotSupported",
                       "Version %s is not supported in this region. Please use the kubernetesVersions API to list "
                       "supported versions: %s." % (text, ", ".join(sorted(KUBERNETES_VERSIONS))), target=target)
    return minor, text if text.count(".") == 2 else KUBERNETES_VERSIONS[minor][-1]


def _version_tuple(text):
    return tuple(int(p) for p in re.findall(r"\d+", str(text))[:3])


def validate_pool(profile: dict, name: str, existing: dict | None, prefix: str):
    """The agent-pool rules AKS enforces, for cluster profiles and agentPools alike."""
    def target(field):
        return prefix + field

    mode = (profile.get("mode") or (existing or {}).get("mode") or "User")
    priority = profile.get("scaleSetPriority") or "Regular"
    autoscale = bool(profile.get("enableAutoScaling"))
    count, low, high = profile.get("count"), profile.get("minCount"), profile.get("maxCount")
    if autoscale:
        if low is None or high is None:
            raise invalid(target("minCount"), "Agent pool '%s': minCount and maxCount must be set when "
                                              "enableAutoScaling is true." % name)
        if low > high:
            raise invalid(target("minCount"), "Agent pool '%s': minCount (%d) must be less than or equal to "
                                              "maxCount (%d)." % (name, low, high))
        if high > 1000 or low < 0:
            raise invalid(target("maxCount"), "Agent pool '%s': minCount and maxCount must be between 0 and 1000."
                          % name)
        if mode.lower() == "system" and low < 1:
            raise invalid(target("minCount"), "Agent pool '%s': a System mode pool needs minCount of at least 1."
                          % name)
        if count is not None and not low <= count <= high:
            raise invalid(target("count"), "Agent pool '%s': count (%d) must be between minCount (%d) and "
                                           "maxCount (%d)." % (name, count, low, high))
    elif count is not None and (count < 0 or (mode.lower() == "system" and count < 1)):
        raise invalid(target("count"), "Agent pool '%s': count %d is out of range." % (name, count))
    if priority.lower() == "spot":
        if mode.lower() == "system":
            raise invalid(target("mode"), "Agent pool '%s': Spot node pools cannot be System mode pools." % name)
        if get_path(profile, "upgradeSettings", "maxSurge") is not None:
            raise invalid(target("upgradeSettings.maxSurge"),
                          "Agent pool '%s': upgradeSettings.maxSurge is not supported for Spot node pools." % name)
    else:
        for field in ("scaleSetEvictionPolicy", "spotMaxPrice"):
            if profile.get(field) is not None:
                raise invalid(target(field), "Agent pool '%s': %s can only be set when scaleSetPriority is Spot."
                              % (name, field))
    for taint in profile.get("nodeTaints") or []:
        if not isinstance(taint, str) or not _TAINT.match(taint):
            raise invalid(target("nodeTaints"), "Agent pool '%s': taint '%s' must look like key=value:Effect with "
                                                "Effect one of NoSchedule, PreferNoSchedule, NoExecute." % (name, taint))
    for zone in profile.get("availabilityZones") or []:
        if str(zone) not in ("1", "2", "3"):
            raise invalid(target("availabilityZones"), "Agent pool '%s': availability zone '%s' is not valid." % (name, zone))
    driver = get_path(profile, "gpuProfile", "driver")
    if driver is not None and str(driver).lower() not in ("install", "none"):
        raise invalid(target("gpuProfile.driver"), "Agent pool '%s': gpuProfile.driver must be Install or None." % name)
    if existing:
        for path in POOL_IMMUTABLE:
            before, after = get_path(existing, *path), get_path(profile, *path)
            if after is not None and before is not None and _differs(before, after):
                raise ArmError(400, "PropertyChangeNotAllowed", "Changing property '%s' of agent pool '%s' is not "
                               "allowed." % (".".join(path), name), target=target(".".join(path)))


def pool_defaults(profile: dict, cluster_props: dict, cluster_location: str) -> dict:
    pool = copy.deepcopy(profile)
    pool.setdefault("vmSize", "Standard_DS2_v2")
    pool.setdefault("osType", "Linux")
    pool.setdefault("osSKU", "Ubuntu")
    pool.setdefault("type", "VirtualMachineScaleSets")
    pool.setdefault("mode", "User")
    pool.setdefault("osDiskSizeGB", 128)
    pool.setdefault("osDiskType", "Managed")
    pool.setdefault("kubeletDiskType", "OS")
    pool.setdefault("enableAutoScaling", False)
    pool.setdefault("enableNodePublicIP", False)
    pool.setdefault("enableFIPS", False)
    pool.setdefault("scaleSetPriority", "Regular")
    if pool.get("count") is None:
        pool["count"] = pool.get("minCount") if pool.get("enableAutoScaling") else 1
    overlay = (get_path(cluster_props, "networkProfile", "networkPluginMode") or "").lower() == "overlay"
    pool.setdefault("maxPods", 250 if overlay else 30)
    minor = cluster_props.get("kubernetesVersion") or DEFAULT_KUBERNETES_MINOR
    pool.setdefault("orchestratorVersion", minor)
    pool["currentOrchestratorVersion"] = resolve_kubernetes_version(pool["orchestratorVersion"])[1]
    pool["nodeImageVersion"] = NODE_IMAGE_VERSION
    pool["powerState"] = {"code": "Running"}
    if pool["scaleSetPriority"].lower() == "spot":
        pool.setdefault("scaleSetEvictionPolicy", "Delete")
        pool.setdefault("spotMaxPrice", -1)
        taints = list(pool.get("nodeTaints") or [])
        if SPOT_TAINT not in taints:
            taints.append(SPOT_TAINT)
        pool["nodeTaints"] = taints
        labels = dict(pool.get("nodeLabels") or {})
        labels[SPOT_LABEL[0]] = SPOT_LABEL[1]
        pool["nodeLabels"] = labels
    else:
        pool.setdefault("upgradeSettings", {"maxSurge": "10%"})
    return pool


def managed_identity_in(node_resource_group_id, name, tenant):
    return {
        "resourceId": "%s/providers/Microsoft.ManagedIdentity/userAssignedIdentities/%s" % (node_resource_group_id, name),
        "clientId": stable_guid(node_resource_group_id, name, "client"),
        "objectId": stable_guid(node_resource_group_id, name, "object"),
    }


class ManagedCluster(Generic):
    conflict_code = "OperationNotAllowed"
    immutable = CLUSTER_IMMUTABLE

    def check_put(self, ctx, body, existing):
        super().check_put(ctx, body, existing)
        props = body.get("properties") or {}
        name = ctx.target.name
        old_props = existing.body.get("properties", {}) if existing else {}
        if props.get("kubernetesVersion"):
            resolve_kubernetes_version(props["kubernetesVersion"])
            old = old_props.get("currentKubernetesVersion")
            if old and _version_tuple(props["kubernetesVersion"])[:2] < _version_tuple(old)[:2]:
                raise ArmError(400, "NotAllowedK8sVersionDowngrading",
                               "Changing kubernetesVersion from %s to %s is not allowed: downgrades are not supported."
                               % (old, props["kubernetesVersion"]), target="properties.kubernetesVersion")
        profiles = props.get("agentPoolProfiles")
        existing_pools = {p.key.rsplit("/", 1)[-1]: p.body.get("properties", {})
                          for p in ctx.state.children(existing.id, AGENT_POOL_TYPE)} if existing else {}
        if existing is None:
            if not profiles:
                raise invalid("properties.agentPoolProfiles", "Managed cluster '%s' needs at least one agent pool "
                                                              "profile." % name)
            if not any((p.get("mode") or "").lower() == "system" for p in profiles):
                raise invalid("properties.agentPoolProfiles", "Managed cluster '%s' needs at least one System mode "
                                                              "agent pool." % name)
        seen = set()
        for i, profile in enumerate(profiles or []):
            pool_name = profile.get("name") or ""
            if not re.match(r"^[a-z][a-z0-9]{0,11}$", pool_name):
                raise invalid("properties.agentPoolProfiles[%d].name" % i,
                              "Agent pool name '%s' is invalid: it must start with a lowercase letter and contain "
                              "only lowercase letters and numbers, at most 12 characters." % pool_name)
            if pool_name in seen:
                raise invalid("properties.agentPoolProfiles[%d].name" % i, "Agent pool name '%s' is used twice." % pool_name)
            seen.add(pool_name)
            validate_pool(profile, pool_name, existing_pools.get(pool_name), "properties.agentPoolProfiles[%d]." % i)
        aad = props.get("aadProfile") or {}
        if props.get("disableLocalAccounts") and not aad.get("managed") and not get_path(old_props, "aadProfile", "managed"):
            raise ArmError(400, "BadRequest", "Local accounts can only be disabled on clusters with managed Entra ID "
                                              "(aadProfile.managed) enabled.", target="properties.disableLocalAccounts")
        if aad.get("enableAzureRBAC") and not aad.get("managed"):
            raise invalid("properties.aadProfile.enableAzureRBAC", "Azure RBAC for Kubernetes needs managed Entra ID "
                                                                   "(aadProfile.managed=true).")
        if get_path(props, "securityProfile", "workloadIdentity", "enabled") and not get_path(props, "oidcIssuerProfile", "enabled"):
            raise ArmError(400, "BadRequest", "Enabling workload identity requires enabling the OIDC issuer "
                                              "(oidcIssuerProfile.enabled).", target="properties.securityProfile.workloadIdentity")
        if existing is not None and get_path(old_props, "oidcIssuerProfile", "enabled") and \
                get_path(props, "oidcIssuerProfile", "enabled") is False:
            raise ArmError(400, "BadRequest", "The OIDC issuer cannot be disabled once enabled.",
                           target="properties.oidcIssuerProfile.enabled")
        network = props.get("networkProfile") or {}
        if (network.get("networkPluginMode") or "").lower() == "overlay" and (network.get("networkPlugin") or "azure").lower() != "azure":
            raise invalid("properties.networkProfile.networkPluginMode", "networkPluginMode overlay requires networkPlugin azure.")
        outbound = (network.get("outboundType") or "").lower()
        if outbound in ("userassignednatgateway", "userdefinedrouting"):
            for profile in profiles or []:
                if not profile.get("vnetSubnetID"):
                    raise invalid("properties.networkProfile.outboundType",
                                  "outboundType %s requires every agent pool to use a custom subnet (vnetSubnetID)."
                                  % network["outboundType"])
        zone = get_path(props, "apiServerAccessProfile", "privateDNSZone")
        if zone and zone.lower() not in ("system", "none"):
            if "/providers/microsoft.network/privatednszones/" not in zone.lower():
                raise invalid("properties.apiServerAccessProfile.privateDNSZone",
                              "privateDNSZone must be 'system', 'none' or the resource ID of a private DNS zone.")
            if (get_path(body, "identity", "type") or "").lower() != "userassigned":
                raise invalid("properties.apiServerAccessProfile.privateDNSZone",
                              "A custom private DNS zone requires a user-assigned control-plane identity.")
        identity = body.get("identity") or {}
        for identity_id in (identity.get("userAssignedIdentities") or {}):
            if ctx.state.get(identity_id) is None:
                raise invalid("identity.userAssignedIdentities",
                              "The user-assigned identity '%s' was not found." % identity_id)

    def populate(self, ctx, body, existing):
        target = ctx.target
        props = body.setdefault("properties", {})
        old = existing.body if existing else {}
        old_props = old.get("properties", {})
        location = norm_location(body.get("location"))
        minor, patch = resolve_kubernetes_version(props.get("kubernetesVersion") or old_props.get("kubernetesVersion")
                                                  or DEFAULT_KUBERNETES_MINOR)
        props["kubernetesVersion"] = props.get("kubernetesVersion") or minor
        props["currentKubernetesVersion"] = patch
        props.setdefault("dnsPrefix", old_props.get("dnsPrefix") or "%s-%s-%s" % (
            target.name[:10], target.resource_group[:16], target.subscription[:6]))
        props.setdefault("nodeResourceGroup", old_props.get("nodeResourceGroup") or "MC_%s_%s_%s" % (
            target.resource_group, target.name, location))
        props.setdefault("enableRBAC", True)
        props.setdefault("disableLocalAccounts", False)
        props.setdefault("supportPlan", "KubernetesOfficial")
        props["maxAgentPools"] = 100
        props["powerState"] = {"code": "Running"}
        props["resourceUID"] = old_props.get("resourceUID") or short_hash(target.id, "uid", length=24)
        host = short_hash(target.id, length=8)
        private = bool(get_path(props, "apiServerAccessProfile", "enablePrivateCluster"))
        props["fqdn"] = "%s-%s.hcp.%s.azmk8s.io" % (props["dnsPrefix"], host, location)
        props["azurePortalFQDN"] = "%s-%s.portal.hcp.%s.azmk8s.io" % (props["dnsPrefix"], host, location)
        if private:
            props["privateFQDN"] = "%s-%s.%s.privatelink.%s.azmk8s.io" % (
                props["dnsPrefix"], host, short_hash(target.id, "private", length=32), location)
        network = props.setdefault("networkProfile", {})
        network.setdefault("networkPlugin", "azure")
        if network["networkPlugin"].lower() == "azure" and not any(
                p.get("vnetSubnetID") and p.get("podSubnetID") for p in props.get("agentPoolProfiles") or []):
            network.setdefault("networkPluginMode", "overlay")
        if (network.get("networkPluginMode") or "").lower() == "overlay" or network["networkPlugin"] == "kubenet":
            network.setdefault("podCidr", "10.244.0.0/16")
            network["podCidrs"] = [network["podCidr"]]
        network.setdefault("serviceCidr", "10.0.0.0/16")
        network["serviceCidrs"] = [network["serviceCidr"]]
        network.setdefault("dnsServiceIP", "10.0.0.10")
        network.setdefault("outboundType", "loadBalancer")
        network.setdefault("loadBalancerSku", "standard")
        network.setdefault("ipFamilies", ["IPv4"])
        auto = props.setdefault("autoUpgradeProfile", {})
        auto.setdefault("upgradeChannel", "none")
        auto.setdefault("nodeOSUpgradeChannel", "NodeImage")
        oidc = props.setdefault("oidcIssuerProfile", {})
        oidc.setdefault("enabled", False)
        if oidc["enabled"]:
            oidc["issuerURL"] = get_path(old_props, "oidcIssuerProfile", "issuerURL") or \
                "https://%s.oic.prod-aks.azure.com/%s/%s/" % (location, ctx.tenant_id, stable_guid(target.id, "oidc"))
        aad = props.get("aadProfile")
        if aad and aad.get("managed"):
            aad.setdefault("tenantID", ctx.tenant_id)
            aad.setdefault("enableAzureRBAC", False)
        mc_rg = "/subscriptions/%s/resourcegroups/%s" % (target.subscription, props["nodeResourceGroup"])
        kubelet = managed_identity_in(mc_rg, "%s-agentpool" % target.name, ctx.tenant_id)
        props["identityProfile"] = {"kubeletidentity": kubelet}
        for addon_name, addon in (props.get("addonProfiles") or {}).items():
            if addon.get("enabled"):
                addon["identity"] = managed_identity_in(mc_rg, "%s-%s" % (addon_name.lower(), target.name), ctx.tenant_id)
                addon.setdefault("config", {})
        identity = body.setdefault("identity", {"type": "SystemAssigned"})
        if (identity.get("type") or "").lower() == "systemassigned":
            identity["principalId"] = get_path(old, "identity", "principalId") or stable_guid(target.id, "identity")
            identity["tenantId"] = ctx.tenant_id
        for identity_id in list((identity.get("userAssignedIdentities") or {})):
            record = ctx.state.get(identity_id)
            identity["userAssignedIdentities"][identity_id] = {
                "principalId": get_path(record.body, "properties", "principalId"),
                "clientId": get_path(record.body, "properties", "clientId"),
            }
        body.setdefault("sku", {"name": "Base", "tier": "Free"})
        # Agent pools live as child resources; the stored cluster keeps them out of its body.
        pools = props.pop("agentPoolProfiles", None)
        body["_pools"] = [pool_defaults(dict(p), props, location) for p in pools] if pools else None

    def after_put(self, ctx, record, existing):
        pools = record.body.pop("_pools", None)
        state = ctx.state
        kubelet = record.body["properties"]["identityProfile"]["kubeletidentity"]
        state.add_principal(kubelet["objectId"], owner=record.key, delay=0)
        principal = get_path(record.body, "identity", "principalId")
        if principal:
            state.add_principal(principal, owner=record.key, delay=0)
        for addon in (record.body["properties"].get("addonProfiles") or {}).values():
            if addon.get("identity"):
                state.add_principal(addon["identity"]["objectId"], owner=record.key, delay=0)
        for profile in pools or []:
            name = profile.pop("name")
            pool_id = "%s/agentPools/%s" % (record.id, name)
            old = state.get(pool_id)
            profile["provisioningState"] = record.provisioning_state
            pool_body = {"id": pool_id, "name": name, "type": AGENT_POOL_TYPE, "properties": profile}
            if old:
                merged = dict(old.body["properties"])
                merged.update(profile)
                pool_body["properties"] = merged
            state.put(Record(id=pool_id, type=AGENT_POOL_TYPE, body=pool_body, parent=record.key))

    def on_succeeded(self, state, record):
        for pool in state.children(record.id, AGENT_POOL_TYPE):
            if pool.provisioning_state in ("Creating", "Updating"):
                pool.properties["provisioningState"] = "Succeeded"

    def on_failed(self, state, record, status):
        for pool in state.children(record.id, AGENT_POOL_TYPE):
            if pool.provisioning_state in ("Creating", "Updating"):
                pool.properties["provisioningState"] = status

    def view(self, ctx, record):
        body = copy.deepcopy(record.body)
        body.pop("_pools", None)
        pools = sorted(ctx.state.children(record.id, AGENT_POOL_TYPE), key=lambda r: r.created)
        body.setdefault("properties", {})["agentPoolProfiles"] = [
            dict({"name": p.body["name"]}, **copy.deepcopy(p.body["properties"])) for p in pools]
        return body


AGENT_POOL_TYPE = "Microsoft.ContainerService/managedClusters/agentPools"


def _kubeconfig(cluster: Record, user: str, auth: dict) -> str:
    props = cluster.body["properties"]
    server = props.get("privateFQDN") if get_path(props, "apiServerAccessProfile", "enablePrivateCluster") else props["fqdn"]
    ca = base64.b64encode(("-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n"
                           % base64.b64encode(hashlib.sha256(cluster.key.encode()).digest() * 8).decode()).encode()).decode()
    name = cluster.body["name"]
    config = {
        "apiVersion": "v1", "kind": "Config", "current-context": name, "preferences": {},
        "clusters": [{"name": name, "cluster": {"server": "https://%s:443" % server, "certificate-authority-data": ca}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": user}}],
        "users": [{"name": user, "user": auth}],
    }
    # kubeconfig is YAML; JSON is valid YAML and keeps the emulator free of a YAML dependency.
    return json.dumps(config, indent=2)


def _credential_result(name, text):
    return {"kubeconfigs": [{"name": name, "value": base64.b64encode(text.encode()).decode()}]}


def list_user_credential(ctx, record, body):
    props = record.body["properties"]
    name = record.body["name"]
    user = "clusterUser_%s_%s" % (ctx.target.resource_group, name)
    if get_path(props, "aadProfile", "managed"):
        auth = {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "kubelogin",
                         "args": ["get-token", "--environment", "AzurePublicCloud", "--server-id", AKS_SERVER_APP_ID,
                                  "--client-id", "80faf920-1908-4b52-b5ef-a8e7bedfc67a", "--tenant-id", ctx.tenant_id,
                                  "--login", "devicecode"],
                         "interactiveMode": "IfNeeded", "provideClusterInfo": False}}
    else:
        auth = {"token": short_hash(record.key, "user-token", length=64)}
    return 200, _credential_result("clusterUser", _kubeconfig(record, user, auth))


def list_admin_credential(ctx, record, body):
    props = record.body["properties"]
    if props.get("disableLocalAccounts"):
        raise ArmError(400, "BadRequest", "Getting static credential is not allowed because this cluster is set to "
                                          "disable local accounts.")
    user = "clusterAdmin_%s_%s" % (ctx.target.resource_group, record.body["name"])
    return 200, _credential_result("clusterAdmin", _kubeconfig(record, user, {
        "token": short_hash(record.key, "admin-token", length=64)}))


ManagedCluster.actions = {
    "listclusterusercredential": list_user_credential,
    "listclusteradmincredential": list_admin_credential,
}


class AgentPool(Generic):
    conflict_code = "OperationNotAllowed"

    def check_put(self, ctx, body, existing):
        cluster = ctx.state.get(ctx.target.parent)
        if cluster.provisioning_state in ("Creating", "Updating", "Deleting", "Upgrading"):
            raise ArmError(409, "OperationNotAllowed",
                           "Operation is not allowed because there's an in progress %s managed cluster operation on "
                           "managed cluster '%s'. Please try again later." % (
                               cluster.provisioning_state.lower(), cluster.body["name"]))
        validate_pool(body.get("properties") or {}, ctx.target.name,
                      existing.body.get("properties") if existing else None, "properties.")

    def populate(self, ctx, body, existing):
        cluster = ctx.state.get(ctx.target.parent)
        props = pool_defaults(body.get("properties") or {}, cluster.body["properties"], cluster.body.get("location"))
        body["properties"] = props

    def check_delete(self, ctx, record):
        if (record.properties.get("mode") or "").lower() == "system":
            others = [p for p in ctx.state.children(record.parent, AGENT_POOL_TYPE)
                      if p.key != record.key and (p.properties.get("mode") or "").lower() == "system"]
            if not others:
                raise ArmError(400, "OperationNotAllowed", "Cannot delete agent pool '%s': it is the last System mode "
                                                           "pool of the cluster." % record.body["name"])


# -- identities ---------------------------------------------------------------------------------------

class UserAssignedIdentity(Generic):
    provisioning_state = False

    def populate(self, ctx, body, existing):
        props = body.setdefault("properties", {})
        old = existing.body.get("properties", {}) if existing else {}
        props["tenantId"] = ctx.tenant_id
        props["principalId"] = old.get("principalId") or str(uuid.uuid4())
        props["clientId"] = old.get("clientId") or str(uuid.uuid4())

    def after_put(self, ctx, record, existing):
        if existing is None:
            ctx.state.add_principal(record.properties["principalId"], owner=record.key)


FIC_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials"


class FederatedCredential(Generic):
    provisioning_state = False

    def check_put(self, ctx, body, existing):
        props = body.get("properties") or {}
        issuer = props.get("issuer") or ""
        if not issuer.startswith("https://"):
            raise ArmError(400, "BadRequest", "Issuer '%s' is not a valid https URL." % issuer, target="properties.issuer")
        if len(props.get("audiences") or []) != 1:
            raise ArmError(400, "BadRequest", "Exactly one audience is supported.", target="properties.audiences")
        siblings = [r for r in ctx.state.children(ctx.target.parent, FIC_TYPE) if r.key != ctx.target.key]
        if len(siblings) >= 20:
            raise ArmError(400, "BadRequest", "An identity can have at most 20 federated identity credentials.")
        for other in siblings:
            if (other.properties.get("issuer"), other.properties.get("subject")) == (issuer, props.get("subject")):
                raise ArmError(409, "Conflict", "Federated identity credential '%s' already has issuer '%s' and "
                                                "subject '%s'." % (other.body["name"], issuer, props.get("subject")))


# -- authorization ------------------------------------------------------------------------------------

ROLE_ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments"
ROLE_DEFINITION_TYPE = "Microsoft.Authorization/roleDefinitions"


def subscription_of(scope: str) -> str | None:
    match = re.match(r"^/subscriptions/([^/]+)", scope or "", re.IGNORECASE)
    return match.group(1) if match else None


def role_definition_body(scope: str, name: str, guid: str, builtin=True) -> dict:
    subscription = subscription_of(scope)
    prefix = "/subscriptions/%s" % subscription if subscription else ""
    return {
        "id": "%s/providers/Microsoft.Authorization/roleDefinitions/%s" % (prefix, guid),
        "name": guid,
        "type": ROLE_DEFINITION_TYPE,
        "properties": {"roleName": name, "type": "BuiltInRole" if builtin else "CustomRole",
                       "description": name, "assignableScopes": ["/"], "permissions": []},
    }


def role_guid_of(role_definition_id: str) -> str:
    return (role_definition_id or "").rstrip("/").rsplit("/", 1)[-1].lower()


def _scope_contains(outer: str, inner: str) -> bool:
    outer, inner = outer.lower().rstrip("/"), inner.lower().rstrip("/")
    return inner == outer or inner.startswith(outer + "/")


class RoleAssignment(Generic):
    provisioning_state = False

    def check_put(self, ctx, body, existing):
        props = body.get("properties") or {}
        scope = ctx.target.parent
        guid = role_guid_of(props.get("roleDefinitionId"))
        if guid not in {g.lower() for g in BUILTIN_ROLES.values()} and not any(
                r.body["name"].lower() == guid for r in ctx.state.resources.values() if r.type == ROLE_DEFINITION_TYPE):
            raise ArmError(400, "RoleDefinitionDoesNotExist", "The specified role definition with ID '%s' does not "
                                                              "exist." % guid)
        principal = props.get("principalId") or ""
        if existing is not None:
            old = existing.properties
            if (old.get("principalId", "").lower(), role_guid_of(old.get("roleDefinitionId"))) != (principal.lower(), guid):
                raise ArmError(400, "RoleAssignmentUpdateNotPermitted", "Tenant ID, application ID, principal ID, and "
                                                                        "scope are not allowed to be updated.")
            return
        if not ctx.state.principal_visible(principal):
            raise ArmError(400, "PrincipalNotFound",
                           "Principal %s does not exist in the directory %s. Check that you have the correct principal "
                           "ID. If you are creating this principal and then immediately assigning a role, this error "
                           "might be related to a replication delay. In this case, set the role assignment "
                           "principalType property to a value, such as ServicePrincipal, User, or Group. See "
                           "https://aka.ms/docs-principaltype" % (principal.replace("-", ""), ctx.tenant_id))
        for other in ctx.state.resources.values():
            if other.type != ROLE_ASSIGNMENT_TYPE or other.key == ctx.target.key:
                continue
            o = other.properties
            if o.get("scope", "").lower() == scope.lower() and o.get("principalId", "").lower() == principal.lower() \
                    and role_guid_of(o.get("roleDefinitionId")) == guid:
                raise ArmError(409, "RoleAssignmentExists", "The role assignment already exists.",
                               details=[{"code": "RoleAssignmentExists", "message": other.id}])

    def populate(self, ctx, body, existing):
        props = body.setdefault("properties", {})
        scope = ctx.target.parent
        subscription = subscription_of(scope)
        guid = role_guid_of(props.get("roleDefinitionId"))
        props["roleDefinitionId"] = "%s/providers/Microsoft.Authorization/roleDefinitions/%s" % (
            "/subscriptions/%s" % subscription if subscription else "", guid)
        props["scope"] = scope
        entry = ctx.state.principals.get((props.get("principalId") or "").lower()) or {}
        props.setdefault("principalType", entry.get("type", "User"))
        now = ctx.service.iso_now()
        props["createdOn"] = get_path(existing.body, "properties", "createdOn") if existing else now
        props["updatedOn"] = now
        props.setdefault("condition", None)
        props.setdefault("conditionVersion", None)

    def filter_list(self, ctx, records):
        scope = ctx.target.container
        text = ctx.query.get("$filter") or ""
        at_scope = "atscope()" in text.lower()
        principal = re.search(r"principalId\s+eq\s+'([^']+)'", text, re.IGNORECASE)
        assigned = re.search(r"assignedTo\('([^']+)'\)", text, re.IGNORECASE)
        result = []
        for record in ctx.state.resources.values():
            if record.type != ROLE_ASSIGNMENT_TYPE:
                continue
            own_scope = record.properties.get("scope", "")
            above = _scope_contains(own_scope, scope)
            below = _scope_contains(scope, own_scope)
            if not (above or (below and not at_scope)):
                continue
            who = (principal or assigned)
            if who and record.properties.get("principalId", "").lower() != who.group(1).lower():
                continue
            result.append(record)
        return result


class RoleDefinition(Generic):
    provisioning_state = False

    def filter_list(self, ctx, records):
        scope = ctx.target.container
        text = ctx.query.get("$filter") or ""
        by_name = re.search(r"roleName\s+eq\s+'([^']+)'", text, re.IGNORECASE)
        by_type = re.search(r"type\s+eq\s+'([^']+)'", text, re.IGNORECASE)
        bodies = [role_definition_body(scope, name, guid) for name, guid in BUILTIN_ROLES.items()]
        bodies += [copy.deepcopy(r.body) for r in ctx.state.resources.values() if r.type == ROLE_DEFINITION_TYPE]
        if by_name:
            bodies = [b for b in bodies if b["properties"].get("roleName", "").lower() == by_name.group(1).lower()]
        if by_type:
            bodies = [b for b in bodies if b["properties"].get("type", "").lower() == by_type.group(1).lower()]
        return bodies


def builtin_role_definition(scope: str, guid: str) -> dict | None:
    for name, known in BUILTIN_ROLES.items():
        if known.lower() == guid.lower():
            return role_definition_body(scope, name, known)
    return None


# -- Kubernetes extensions ----------------------------------------------------------------------------

class KubernetesExtension(Generic):
    immutable = (("properties", "extensionType"), ("properties", "scope"), ("identity", "type"))
    immutable_code = "BadRequest"

    def check_put(self, ctx, body, existing):
        super().check_put(ctx, body, existing)
        cluster = ctx.state.get(ctx.target.parent)
        if cluster is not None and cluster.provisioning_state not in ("Succeeded", None):
            raise ArmError(409, "Conflict", "The cluster '%s' is in provisioning state '%s'; extensions can be "
                                            "installed once it is Succeeded." % (cluster.body["name"], cluster.provisioning_state))
        props = body.get("properties") or {}
        if props.get("version") and props.get("autoUpgradeMinorVersion", True):
            raise ArmError(400, "BadRequest", "autoUpgradeMinorVersion must be false when a version is pinned.",
                           target="properties.autoUpgradeMinorVersion")

    def populate(self, ctx, body, existing):
        props = body.setdefault("properties", {})
        old = existing.body if existing else {}
        props.setdefault("autoUpgradeMinorVersion", True)
        props.setdefault("releaseTrain", "Stable")
        props["currentVersion"] = props.get("version") or get_path(old, "properties", "currentVersion") or "1.1.87"
        props["isSystemExtension"] = False
        props["statuses"] = []
        props.setdefault("configurationSettings", {})
        protected = props.get("configurationProtectedSettings")
        body["_protected"] = protected if protected is not None else get_path(old, "_protected", default={})
        props["configurationProtectedSettings"] = {}
        identity = body.get("identity")
        if identity and (identity.get("type") or "").lower() == "systemassigned":
            identity["principalId"] = get_path(old, "identity", "principalId") or stable_guid(ctx.target.id, "identity")
            identity["tenantId"] = ctx.tenant_id
        props["aksAssignedIdentity"] = {"type": "SystemAssigned", "tenantId": ctx.tenant_id,
                                        "principalId": stable_guid(ctx.target.id, "aks-assigned")}

    def after_put(self, ctx, record, existing):
        principal = get_path(record.body, "identity", "principalId")
        if principal:
            ctx.state.add_principal(principal, owner=record.key, delay=0)

    def view(self, ctx, record):
        body = copy.deepcopy(record.body)
        body.pop("_protected", None)
        # ARM never returns protected values.
        body["properties"]["configurationProtectedSettings"] = {}
        return body


# -- Key Vault: soft delete, purge protection, secrets ---------------------------------------------------

KEY_VAULT_TYPE = "Microsoft.KeyVault/vaults"
DELETED_VAULT_TYPE = "Microsoft.KeyVault/locations/deletedVaults"
SECRET_TYPE = "Microsoft.KeyVault/vaults/secrets"


def deleted_vault_id(subscription, location, name):
    return "/subscriptions/%s/providers/Microsoft.KeyVault/locations/%s/deletedVaults/%s" % (
        subscription, norm_location(location), name)


class KeyVault(Generic):
    def check_put(self, ctx, body, existing):
        super().check_put(ctx, body, existing)
        props = body.get("properties") or {}
        if existing is not None:
            if existing.properties.get("enablePurgeProtection") and props.get("enablePurgeProtection") is False:
                raise ArmError(400, "BadRequest", 'The property "enablePurgeProtection" cannot be set to false. '
                                                  "Enabling the purge protection for a vault is an irreversible "
                                                  "action.", target="properties.enablePurgeProtection")
            return
        deleted = [r for r in ctx.state.resources.values() if r.type == DELETED_VAULT_TYPE
                   and r.body["name"].lower() == ctx.target.name.lower()]
        if deleted and (props.get("createMode") or "").lower() != "recover":
            raise ArmError(409, "ConflictError", "Exist soft deleted vault with the same name.")

    def populate(self, ctx, body, existing):
        props = body.setdefault("properties", {})
        if (props.pop("createMode", None) or "").lower() == "recover":
            for record in [r for r in ctx.state.resources.values() if r.type == DELETED_VAULT_TYPE
                           and r.body["name"].lower() == ctx.target.name.lower()]:
                ctx.state.resources.pop(record.key, None)
        props.setdefault("enableSoftDelete", True)
        props.setdefault("softDeleteRetentionInDays", 90)
        props.setdefault("enableRbacAuthorization", False)
        props["vaultUri"] = "https://%s.vault.azure.net/" % ctx.target.name.lower()

    def on_removed(self, state, record):
        props = record.properties
        if props.get("enableSoftDelete") is False:
            return
        location = record.body.get("location") or "global"
        deleted_id = deleted_vault_id(record.id.split("/")[2], location, record.body["name"])
        now = time.time()
        days = int(props.get("softDeleteRetentionInDays") or 90)
        state.put(Record(id=deleted_id, type=DELETED_VAULT_TYPE, parent=None, body={
            "id": deleted_id, "name": record.body["name"], "type": DELETED_VAULT_TYPE,
            "properties": {"vaultId": record.id, "location": location, "tags": record.body.get("tags") or {},
                           "deletionDate": _iso_time(now), "scheduledPurgeDate": _iso_time(now + days * 86400),
                           "purgeProtectionEnabled": bool(props.get("enablePurgeProtection"))}}))


def _iso_time(timestamp):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def purge_vault(ctx, record, body):
    if record.properties.get("purgeProtectionEnabled"):
        raise ArmError(405, "MethodNotAllowed", "Operation 'DeletedVaultPurge' is not allowed.")
    ctx.state.resources.pop(record.key, None)
    return 200, None


class DeletedVault(Generic):
    provisioning_state = False
    actions = {"purge": purge_vault}


class KeyVaultSecret(Generic):
    """ARM stores a secret's value but never returns it."""

    def populate(self, ctx, body, existing):
        props = body.setdefault("properties", {})
        if props.get("value") is None and existing is not None:
            props["value"] = existing.properties.get("value")
        vault = ctx.target.parent.rsplit("/", 1)[-1].lower()
        version = short_hash(ctx.target.id, props.get("value") or "", length=32)
        props["secretUri"] = "https://%s.vault.azure.net/secrets/%s" % (vault, ctx.target.name)
        props["secretUriWithVersion"] = "%s/%s" % (props["secretUri"], version)

    def view(self, ctx, record):
        body = copy.deepcopy(record.body)
        body.get("properties", {}).pop("value", None)
        return body


# -- write-only fields and keys of other services -----------------------------------------------------------

class PostgresServer(Generic):
    """The administrator password is write-only."""

    def view(self, ctx, record):
        body = copy.deepcopy(record.body)
        body.get("properties", {}).pop("administratorLoginPassword", None)
        return body

    def populate(self, ctx, body, existing):
        props = body.setdefault("properties", {})
        if existing is not None and props.get("administratorLoginPassword") is None:
            props["administratorLoginPassword"] = existing.properties.get("administratorLoginPassword")
        props["fullyQualifiedDomainName"] = "%s.postgres.database.azure.com" % ctx.target.name
        props.setdefault("state", "Ready")


def list_redis_keys(ctx, record, body):
    return 200, {"keyName": "Primary", "primaryKey": short_hash(record.key, "primary", length=44),
                 "secondaryKey": short_hash(record.key, "secondary", length=44)}


class RedisDatabase(Generic):
    actions = {"listkeys": list_redis_keys}

    def populate(self, ctx, body, existing):
        props = body.setdefault("properties", {})
        props.setdefault("port", 10000)
        props.setdefault("clientProtocol", "Encrypted")
        props.setdefault("resourceState", "Running")


class RedisCluster(Generic):
    def populate(self, ctx, body, existing):
        super().populate(ctx, body, existing)
        location = norm_location(body.get("location") or "")
        body.setdefault("properties", {})["hostName"] = "%s.%s.redis.azure.net" % (ctx.target.name, location)


# -- AzureML workspaces: soft delete --------------------------------------------------------------------------

ML_WORKSPACE_TYPE = "Microsoft.MachineLearningServices/workspaces"


class MachineLearningWorkspace(Generic):
    def check_put(self, ctx, body, existing):
        super().check_put(ctx, body, existing)
        if existing is None and ctx.target.key in ctx.state.soft_deleted:
            raise ArmError(409, "Conflict", "Workspace '%s' is soft-deleted: its name cannot be reused until it is "
                                            "purged or its retention period has passed." % ctx.target.name)

    def populate(self, ctx, body, existing):
        super().populate(ctx, body, existing)
        props = body.setdefault("properties", {})
        props["workspaceId"] = (get_path(existing.body, "properties", "workspaceId") if existing else None) \
            or stable_guid(ctx.target.id, "workspace")
        location = norm_location(body.get("location") or "")
        props["discoveryUrl"] = "https://%s.api.azureml.ms/discovery" % location
        props["mlFlowTrackingUri"] = "azureml://%s.api.azureml.ms/mlflow/v1.0%s" % (location, ctx.target.id)

    def on_removed(self, state, record):
        query = getattr(record, "delete_query", None) or {}
        if str(query.get("forceToPurge", "false")).lower() == "true":
            state.soft_deleted.pop(record.key, None)
            return
        state.soft_deleted[record.key] = {"id": record.id, "deletedAt": time.time()}


# -- endpoints and ids other services report ---------------------------------------------------------------

class PublicIp(Generic):
    def populate(self, ctx, body, existing):
        props = body.setdefault("properties", {})
        if (props.get("publicIPAllocationMethod") or "").lower() == "static":
            old = get_path(existing.body, "properties", "ipAddress") if existing else None
            digest = hashlib.sha256(ctx.target.key.encode()).digest()
            props["ipAddress"] = old or "20.%d.%d.%d" % (digest[0], digest[1], max(1, digest[2] % 255))


class ContainerRegistry(Generic):
    def populate(self, ctx, body, existing):
        body.setdefault("properties", {})["loginServer"] = "%s.azurecr.io" % ctx.target.name.lower()


class StorageAccount(Generic):
    def populate(self, ctx, body, existing):
        name = ctx.target.name
        services = ("blob", "file", "dfs", "queue", "table", "web")
        body.setdefault("properties", {})["primaryEndpoints"] = dict(
            (service, "https://%s.%s.core.windows.net/" % (name, service)) for service in services)


class LogAnalyticsWorkspace(Generic):
    def populate(self, ctx, body, existing):
        body.setdefault("properties", {})["customerId"] = stable_guid(ctx.target.id, "customer")


class Grafana(Generic):
    def populate(self, ctx, body, existing):
        super().populate(ctx, body, existing)
        body.setdefault("properties", {})["endpoint"] = "https://%s-%s.%s.grafana.azure.com" % (
            ctx.target.name, short_hash(ctx.target.id, length=8), norm_location(body.get("location") or ""))


class MonitorWorkspace(Generic):
    def populate(self, ctx, body, existing):
        location = norm_location(body.get("location") or "")
        body.setdefault("properties", {})["metrics"] = {
            "prometheusQueryEndpoint": "https://%s-%s.%s.prometheus.monitor.azure.com" % (
                ctx.target.name, short_hash(ctx.target.id, length=4), location),
            "internalId": "mac_%s" % stable_guid(ctx.target.id, "mac")}


# -- Automation runbooks: the script is the draft's content, then published ------------------------------------

RUNBOOK_TYPE = "Microsoft.Automation/automationAccounts/runbooks"


def publish_runbook(ctx, record, body):
    if record.body.get("_draft") is None:
        raise ArmError(400, "BadRequest", "The runbook '%s' has no draft content to publish." % record.body["name"])
    record.properties["state"] = "Published"
    record.body["_published"] = record.body["_draft"]
    return 202, None


class Runbook(Generic):
    actions = {"publish": publish_runbook}

    def populate(self, ctx, body, existing):
        props = body.setdefault("properties", {})
        props["state"] = "New" if existing is None else existing.properties.get("state", "New")
        for key in ("_draft", "_published"):
            if existing is not None and key in existing.body:
                body[key] = existing.body[key]

    def view(self, ctx, record):
        body = copy.deepcopy(record.body)
        body.pop("_draft", None)
        body.pop("_published", None)
        return body


# Types served without a swagger of their own: type -> the type whose api-versions they accept.
BUILTIN_EXTRA_TYPES = {DELETED_VAULT_TYPE.lower(): KEY_VAULT_TYPE}

BEHAVIOURS = {
    "microsoft.resources/resourcegroups": ResourceGroup(),
    "microsoft.containerservice/managedclusters": ManagedCluster(),
    AGENT_POOL_TYPE.lower(): AgentPool(),
    "microsoft.managedidentity/userassignedidentities": UserAssignedIdentity(),
    FIC_TYPE.lower(): FederatedCredential(),
    ROLE_ASSIGNMENT_TYPE.lower(): RoleAssignment(),
    ROLE_DEFINITION_TYPE.lower(): RoleDefinition(),
    "microsoft.kubernetesconfiguration/extensions": KubernetesExtension(),
    KEY_VAULT_TYPE.lower(): KeyVault(),
    DELETED_VAULT_TYPE.lower(): DeletedVault(),
    SECRET_TYPE.lower(): KeyVaultSecret(),
    "microsoft.dbforpostgresql/flexibleservers": PostgresServer(),
    "microsoft.cache/redisenterprise": RedisCluster(),
    "microsoft.cache/redisenterprise/databases": RedisDatabase(),
    ML_WORKSPACE_TYPE.lower(): MachineLearningWorkspace(),
    "microsoft.network/publicipaddresses": PublicIp(),
    "microsoft.containerregistry/registries": ContainerRegistry(),
    "microsoft.storage/storageaccounts": StorageAccount(),
    "microsoft.operationalinsights/workspaces": LogAnalyticsWorkspace(),
    "microsoft.dashboard/grafana": Grafana(),
    "microsoft.monitor/accounts": MonitorWorkspace(),
    RUNBOOK_TYPE.lower(): Runbook(),
}
GENERIC = Generic()


def behaviour_for(resource_type: str) -> Generic:
    return BEHAVIOURS.get((resource_type or "").lower(), GENERIC)
