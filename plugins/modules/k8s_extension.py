#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: k8s_extension
short_description: Install, configure or remove a cluster extension on AKS (e.g. the AzureML extension)
version_added: 0.2.0
description:
  - Manages a Kubernetes cluster extension (C(Microsoft.KubernetesConfiguration/extensions)) of an AKS or Arc cluster,
    such as C(Microsoft.AzureML.Kubernetes) - type, release train, version, namespace, configuration settings,
    protected settings and the system-assigned identity.
  - Creates with PUT and updates with PATCH carrying only the differing fields, as the az CLI does. Only the
    configuration settings you list are compared.
  - With O(azureml_defaults=true) it does what C(az k8s-extension create --extension-type Microsoft.AzureML.Kubernetes)
    does beyond your settings - cluster scope in namespace C(azureml), a system-assigned identity, the cluster
    settings the CLI injects (cluster ID and name, domain, location, C(servicebus.enabled=false),
    C(relayserver.enabled=false), C(nginxIngress.enabled=true), the inference router service type) and, on clusters
    with fewer than 3 nodes at install time, C(clusterPurpose=DevTest) and C(inferenceRouterHA=false). Your own
    settings win over injected ones. The cluster is read to learn its ID, location and size.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  name:
    description: Extension name (lowercase letters, digits, V(-), V(.)).
    type: str
    required: true
  cluster:
    description: Name of the cluster.
    type: str
    required: true
  resource_group:
    description: Resource group of the cluster.
    type: str
    required: true
  cluster_type:
    description: V(managedClusters) for AKS, V(connectedClusters) for Azure Arc.
    type: str
    choices: [managedClusters, connectedClusters]
    default: managedClusters
  extension_type:
    description: Extension type, for example V(Microsoft.AzureML.Kubernetes). Required to install; cannot change.
    type: str
  release_train:
    description: Release train (V(stable), V(preview)).
    type: str
  version:
    description: Pin a version; needs O(auto_upgrade_minor_version=false).
    type: str
  auto_upgrade_minor_version:
    description: Let Azure upgrade minor versions.
    type: bool
  scope:
    description: V(cluster) installs once per cluster into O(release_namespace); V(namespace) into O(target_namespace). Cannot change.
    type: str
    choices: [cluster, namespace]
    default: cluster
  release_namespace:
    description: Namespace of a cluster-scoped extension. Cannot change.
    type: str
  target_namespace:
    description: Namespace of a namespace-scoped extension. Cannot change.
    type: str
  configuration_settings:
    description:
      - Settings of the extension (values are strings; booleans become V(true)/V(false)).
      - Only the keys listed are compared and changed.
    type: dict
  configuration_protected_settings:
    description:
      - Secret settings. Azure never returns them, so they cannot be compared; see O(update_protected_settings).
    type: dict
  update_protected_settings:
    description:
      - V(on_create) sends O(configuration_protected_settings) only when the extension is installed;
        V(always) sends them on every run (the task then always reports a change).
    type: str
    choices: [on_create, always]
    default: on_create
  system_assigned_identity:
    description: Give the extension a system-assigned identity (V(false) installs it without one). Cannot change.
    type: bool
  azureml_defaults:
    description:
      - Apply what the az CLI adds for C(Microsoft.AzureML.Kubernetes) (see the description).
      - Needs O(cluster_type=managedClusters).
    type: bool
    default: false
  state:
    description: V(present) installs or updates the extension, V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - azure_robotics.stack.azure
  - azure_robotics.stack.azure.wait
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: Protected settings show as masked values.
"""

EXAMPLES = r"""
- name: AzureML extension for training on GPU Spot pools that scale from zero
  azure_robotics.stack.k8s_extension:
    name: azureml
    cluster: aks-robotics-dev-001
    resource_group: rg-robotics-dev-001
    extension_type: Microsoft.AzureML.Kubernetes
    release_train: stable
    azureml_defaults: true
    configuration_settings:
      enableTraining: true
      enableInference: false
      installNvidiaDevicePlugin: false
      installDcgmExporter: false
      amloperator.skipResourceValidation: true
"""

RETURN = r"""
id:
  description: Resource ID of the extension.
  returned: always
  type: str
resource:
  description: The extension as Azure Resource Manager returns it (protected settings are never returned).
  returned: always
  type: dict
diff:
  description: The fields that differ, before and after.
  returned: always
  type: dict
principal_id:
  description: Principal ID of the extension's system-assigned identity.
  returned: when the extension has one
  type: str
"""

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.diff import Difference, Rules, get_path
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.extensions import (
    AZUREML_NAMESPACE,
    azureml_create_only,
    azureml_injected,
    azureml_problems,
    stringify,
    with_defaults,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.fields import Field, FieldMap
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.names import name_problem, resource_id
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.sdk import to_model, to_rest
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.state import ArmResource, DesiredState

CLUSTER_PROVIDERS = {"managedClusters": "Microsoft.ContainerService", "connectedClusters": "Microsoft.Kubernetes"}
MASK = "********"

FIELDS = FieldMap(
    Field("extension_type", ("properties", "extensionType")),
    Field("release_train", ("properties", "releaseTrain")),
    Field("version", ("properties", "version")),
    Field("auto_upgrade_minor_version", ("properties", "autoUpgradeMinorVersion")),
    Field("release_namespace", ("properties", "scope", "cluster", "releaseNamespace")),
    Field("target_namespace", ("properties", "scope", "namespace", "targetNamespace")),
    Field("configuration_settings", ("properties", "configurationSettings"), build=False),
    Field("configuration_protected_settings", ("properties", "configurationProtectedSettings"), build=False),
    Field("scope", ("properties", "scope"), build=False),
    Field("system_assigned_identity", ("identity",), build=False),
)
# The scope and the identity cannot change, whether a value changes or the whole object comes or goes (another
# scope, an identity added): PATCH cannot carry either, so such a difference would never converge.
RULES = Rules(
    case_insensitive=[("properties", "extensionType"), ("properties", "releaseTrain")],
    immutable=[("properties", "extensionType"), ("properties", "scope"), ("properties", "scope", "cluster"),
               ("properties", "scope", "namespace"), ("properties", "scope", "cluster", "releaseNamespace"),
               ("properties", "scope", "namespace", "targetNamespace"), ("identity",), ("identity", "type")],
)


def node_count(cluster):
    pools = get_path(cluster, "properties", "agentPoolProfiles") or []
    return sum(int(p.get("count") or 0) for p in pools)


def main():
    azure = AzureModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            cluster=dict(type="str", required=True),
            resource_group=dict(type="str", required=True),
            cluster_type=dict(type="str", default="managedClusters", choices=list(CLUSTER_PROVIDERS)),
            extension_type=dict(type="str"),
            release_train=dict(type="str"),
            version=dict(type="str"),
            auto_upgrade_minor_version=dict(type="bool"),
            scope=dict(type="str", default="cluster", choices=["cluster", "namespace"]),
            release_namespace=dict(type="str"),
            target_namespace=dict(type="str"),
            configuration_settings=dict(type="dict"),
            configuration_protected_settings=dict(type="dict", no_log=True),
            update_protected_settings=dict(type="str", default="on_create", choices=["on_create", "always"]),
            system_assigned_identity=dict(type="bool"),
            azureml_defaults=dict(type="bool", default=False),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        mutually_exclusive=[("release_namespace", "target_namespace")],
        required_if=[("scope", "namespace", ["target_namespace"])],
    )
    p = azure.params
    problem = name_problem("cluster extension", p["name"])
    if problem:
        azure.fail("name=%r is not a valid extension name: use %s" % (p["name"], problem))
    problem = name_problem("managed cluster", p["cluster"])
    if problem:
        azure.fail("cluster=%r is not a valid cluster name: use %s" % (p["cluster"], problem))
    settings = stringify(p["configuration_settings"])
    protected = stringify(p["configuration_protected_settings"])
    if p["scope"] == "cluster" and p["target_namespace"]:
        azure.fail("target_namespace needs scope=namespace (use release_namespace with scope=cluster)")
    if p["state"] == "present":
        if not p["extension_type"]:
            azure.fail("extension_type is required with state=present")
        if p["version"] and p["auto_upgrade_minor_version"] is not False:
            azure.fail("version=%s needs auto_upgrade_minor_version=false: a pinned version cannot auto-upgrade"
                       % p["version"])
        if p["azureml_defaults"]:
            problems = azureml_problems(p["extension_type"], p["scope"], p["release_namespace"], settings, protected,
                                        p["version"], p["auto_upgrade_minor_version"])
            if problems:
                azure.fail("Invalid AzureML extension options: %s." % "; ".join(problems))

    group, cluster, name = p["resource_group"], p["cluster"], p["name"]
    provider = CLUSTER_PROVIDERS[p["cluster_type"]]
    client = azure.client("kubernetesconfiguration")
    operations = client.extensions
    coordinates = (group, provider, p["cluster_type"], cluster)
    cluster_id = resource_id(p["subscription_id"], group, provider, p["cluster_type"], cluster)

    def write(body, wait):
        return operations.begin_create(*(coordinates + (name, to_model(operations.models.Extension, body))), polling=wait)

    def update(patch, wait):
        props = patch.setdefault("properties", {})
        if "configurationProtectedSettings" in props:
            props["configurationProtectedSettings"] = protected
        return operations.begin_update(*(coordinates + (name, to_model(operations.models.PatchExtension, patch))),
                                       polling=wait)

    resource = ArmResource(
        "cluster extension", "%s/providers/Microsoft.KubernetesConfiguration/extensions/%s" % (cluster_id, name),
        read=lambda: operations.get(*(coordinates + (name,))), write=write, update=update,
        remove=lambda wait: operations.begin_delete(*(coordinates + (name,)), polling=wait),
    )
    engine = DesiredState(azure, resource, rules=RULES, fields=FIELDS)
    if p["state"] == "absent":
        azure.exit(**engine.absent())

    desired = FIELDS.desired(p)
    props = desired.setdefault("properties", {})
    create_only = {}
    if p["azureml_defaults"]:
        cluster_body = read_cluster(azure, p, group, cluster, cluster_id)
        location = (cluster_body.get("location") or "").replace(" ", "").lower()
        settings = with_defaults(azureml_injected(cluster_body.get("id") or cluster_id, cluster, location, settings),
                                 settings)
        create_only = azureml_create_only(node_count(cluster_body), settings)
        props.setdefault("scope", {"cluster": {"releaseNamespace": AZUREML_NAMESPACE}})
        desired["identity"] = {"type": "SystemAssigned"}
    elif p["scope"] == "cluster" and "scope" not in props and p["release_namespace"]:
        props["scope"] = {"cluster": {"releaseNamespace": p["release_namespace"]}}
    if p["system_assigned_identity"]:
        desired["identity"] = {"type": "SystemAssigned"}
    elif p["system_assigned_identity"] is False:
        desired.pop("identity", None)  # an extension identity has only type SystemAssigned: none is no object
    if settings:
        props["configurationSettings"] = settings

    create_body = dict(desired, properties=dict(props))
    create_body["properties"]["configurationSettings"] = with_defaults(create_only, settings)
    if protected:
        create_body["properties"]["configurationProtectedSettings"] = protected
    if p["scope"] == "namespace":
        create_body["properties"]["scope"] = {"namespace": {"targetNamespace": p["target_namespace"]}}

    extra = []
    if protected and p["update_protected_settings"] == "always":
        masked = dict((k, MASK) for k in protected)
        extra.append(Difference(("properties", "configurationProtectedSettings"), masked, masked))

    def check(current, differences):
        kind = get_path(current, "identity", "type")
        if p["system_assigned_identity"] is False and kind and kind.lower() != "none":
            engine.refuse([Difference(("identity", "type"), kind, None)])

    result = engine.present(desired, create_body=create_body, update_mode="patch", extra_differences=extra,
                            check=check)
    if result["diff"]["after"] and protected:
        mask_protected(result["diff"], protected)
    principal = get_path(result.get("resource") or {}, "identity", "principalId")
    if principal:
        result["principal_id"] = principal
    azure.exit(**result)


def mask_protected(diff, protected):
    for side in ("before", "after"):
        values = get_path(diff[side], "properties", "configurationProtectedSettings")
        if isinstance(values, dict):
            diff[side]["properties"]["configurationProtectedSettings"] = dict((k, MASK) for k in values)


def read_cluster(azure, p, group, cluster, cluster_id):
    if p["cluster_type"] != "managedClusters":
        azure.fail("azureml_defaults=true is implemented for AKS (cluster_type=managedClusters)")
    try:
        return to_rest(azure.client("containerservice").managed_clusters.get(group, cluster))
    except Exception as exc:  # a missing cluster is the user's to fix
        azure.fail_azure(exc, "read", "managed cluster '%s' (needed for the AzureML extension defaults)" % cluster_id)


if __name__ == "__main__":
    main()
