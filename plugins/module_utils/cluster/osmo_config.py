# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OSMO 6.3's service configuration (ConfigMap mode: the ``services.configs`` Helm values), from the node pools.

- pod templates: ``default_ctrl`` and ``default_user`` (requests = limits from the ``USER_*`` variables, a
  memory-backed ``/dev/shm``), ``workload_identity`` (the workflow service account and the webhook label), and one
  ``aks_<pool>`` per GPU pool: the pool's tolerations (from its taints), a node selector by VM size and agent pool,
  and the pool's GPU resource;
- resource validations: requests within the node's capacity, GPU platforms need a GPU, the CPU platform none;
- pools and platforms: one OSMO pool and one platform (named after the node pool) per GPU node pool OSMO owns,
  with defaults sized from the VM (all GPUs, vCPUs less two, three quarters of the memory), plus the shared pool
  ``default`` holding every platform and a CPU-only one;
- the KAI backend, the service's base URL, and OSMO's own storage (workflow data, logs, apps) on the storage
  account.

Optionally the AzureML workspace coordinates are merged into ``default_user`` (nothing when there is no workspace).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.azure_robotics.stack.plugins.module_utils import node_pools as np
from ansible_collections.azure_robotics.stack.plugins.module_utils.azureml_pod_template import (
    PodTemplateError,
    azureml_pod_template_env,
    merge_pod_templates,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.cluster.inputs import InputError, required
from ansible_collections.azure_robotics.stack.plugins.module_utils.cluster.scheduling import isolation_problems
from ansible_collections.azure_robotics.stack.plugins.module_utils.cluster.vm_sizes import pool_capacity, workload_share

USER_CONTAINER = "{{USER_CONTAINER_NAME}}"
CTRL_CONTAINER = "osmo-ctrl"
WORKLOAD_IDENTITY_LABEL = "azure.workload.identity/use"
CPU_PLATFORM = "cpu"
DEFAULT_POOL = "default"
COMMON_VARIABLES = {"USER_CPU": 1, "USER_GPU": 0, "USER_MEMORY": "1Gi", "USER_STORAGE": "1Gi", "USER_SHM_SIZE": "1Gi"}
COMMON_VALIDATIONS = ["default_cpu", "default_memory", "default_storage", "default_gpu"]


def template_name(pool):
    return "aks_%s" % pool


def _rule(operator, left, right, message):
    return {"operator": operator, "left_operand": left, "right_operand": right, "assert_message": message}


def resource_validations():
    """Named rule lists (OSMO's RESOURCE_VALIDATION config)."""
    return {
        "default_cpu": [
            _rule("GT", "{{USER_CPU}}", "0", "CPU must be at least 1"),
            _rule("LE", "{{USER_CPU}}", "{{K8_CPU}}", "CPU {{USER_CPU}} exceeds the node's {{K8_CPU}}"),
        ],
        "default_memory": [
            _rule("LE", "{{USER_MEMORY}}", "{{K8_MEMORY}}", "memory {{USER_MEMORY}} exceeds the node's {{K8_MEMORY}}"),
        ],
        "default_storage": [
            _rule("LE", "{{USER_STORAGE}}", "{{K8_STORAGE}}",
                  "storage {{USER_STORAGE}} exceeds the node's {{K8_STORAGE}}"),
        ],
        "default_gpu": [
            _rule("GE", "{{USER_GPU}}", "0", "GPU must not be negative"),
            _rule("LE", "{{USER_GPU}}", "{{K8_GPU}}", "GPU {{USER_GPU}} exceeds the node's {{K8_GPU}}"),
        ],
        "gpu_required": [_rule("GE", "{{USER_GPU}}", "1", "this platform is for GPU work: ask for gpu >= 1")],
        "cpu_only": [_rule("EQ", "{{USER_GPU}}", "0", "the cpu platform has no GPUs: use a GPU platform")],
    }


def _resources(gpu_resource=None):
    quantities = {"cpu": "{{USER_CPU}}", "memory": "{{USER_MEMORY}}", "ephemeral-storage": "{{USER_STORAGE}}"}
    if gpu_resource:
        quantities = {gpu_resource: "{{USER_GPU}}"}
    return {"requests": dict(quantities), "limits": dict(quantities)}


def pod_templates(pools, osmo_pools, workflow_service_account, workload_identity=True, azureml_workspace=None):
    """Named pod templates (OSMO's POD_TEMPLATE config)."""
    templates = {
        "default_ctrl": {"spec": {"containers": [{
            "name": CTRL_CONTAINER,
            "resources": {"requests": {"cpu": "250m", "memory": "1Gi", "ephemeral-storage": "3Gi"},
                          "limits": {"cpu": "500m", "memory": "16Gi", "ephemeral-storage": "3Gi"}},
        }]}},
        "default_user": {"spec": {
            "containers": [{"name": USER_CONTAINER, "resources": _resources(),
                            "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}]}],
            "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "{{USER_SHM_SIZE}}"}}],
        }},
    }
    if workload_identity:
        templates["workload_identity"] = {
            "metadata": {"labels": {WORKLOAD_IDENTITY_LABEL: "true"}},
            "spec": {"serviceAccountName": workflow_service_account},
        }
    for name in osmo_pools:
        pool = np.get_pool(pools, name, option="osmo_node_pool_names")
        selector = {np.INSTANCE_TYPE_LABEL: pool["vm_size"], np.AGENTPOOL_LABEL: name}
        templates[template_name(name)] = {"spec": {
            "nodeSelector": selector,
            "tolerations": np.pool_tolerations(pool),
            "containers": [{"name": USER_CONTAINER, "resources": _resources(np.gpu_resource_name(pool))}],
        }}
    try:
        fragment = azureml_pod_template_env(azureml_workspace)
    except PodTemplateError as exc:
        raise InputError("osmo_azureml_workspace: %s" % exc)
    return merge_pod_templates(templates, fragment)


def _platform(description, variables, validations, override_templates):
    return {
        "description": description,
        "host_network_allowed": False,
        "privileged_allowed": False,
        "allowed_mounts": [],
        "default_mounts": [],
        "default_variables": variables,
        "resource_validations": validations,
        "override_pod_template": override_templates,
    }


def platforms(pools, osmo_pools, workload_identity=True, overrides=None):
    """Platform name -> platform: one per OSMO GPU pool (named after it) and ``cpu``."""
    identity = ["workload_identity"] if workload_identity else []
    overrides = overrides or {}
    for name in overrides:
        if name != CPU_PLATFORM and name not in osmo_pools:
            raise InputError("osmo_platform_overrides names %r, which is neither an OSMO node pool (%s) nor %s"
                             % (name, ", ".join(osmo_pools) or "none", CPU_PLATFORM))
    result = {CPU_PLATFORM: _platform("CPU only, on the nodes without GPU taints", {"USER_GPU": 0},
                                      ["cpu_only"], list(identity))}
    for name in osmo_pools:
        pool = np.get_pool(pools, name, option="osmo_node_pool_names")
        share = workload_share(pool_capacity(name, pool))
        memory = share["memory_gib"]
        variables = {"USER_GPU": share["gpus"], "USER_CPU": share["cpu"], "USER_MEMORY": "%dGi" % memory,
                     "USER_STORAGE": "100Gi", "USER_SHM_SIZE": "%dGi" % max(1, min(64, memory // 4))}
        priority = "Spot" if pool.get("priority") == "Spot" else "Regular"
        description = "%s, %d GPU(s) per node, %s" % (pool["vm_size"], share["gpus"], priority)
        result[name] = _platform(description, variables, ["gpu_required"], [template_name(name)] + identity)
    for name, override in overrides.items():
        if not isinstance(override, dict):
            raise InputError("osmo_platform_overrides.%s must be a mapping of platform fields" % name)
        result[name] = merge_pod_templates(result[name], override)
    return result


def _pool(description, backend, default_platform, pool_platforms, gpu_quota=None):
    pool = {
        "description": description,
        "backend": backend,
        "default_platform": default_platform,
        "common_default_variables": dict(COMMON_VARIABLES),
        "common_resource_validations": list(COMMON_VALIDATIONS),
        "common_pod_template": ["default_ctrl", "default_user"],
        "platforms": pool_platforms,
    }
    if gpu_quota:
        pool["resources"] = {"gpu": gpu_quota}
    return pool


def service_configs(settings):
    """The ``services.configs`` values of the OSMO ``service`` chart (without ``enabled``).

    ``settings``: node_pools, osmo_pools (names), namespaces {control_plane, workflows}, backend_name,
    workflow_service_account, workload_identity, storage {account, container, blob_endpoint, region},
    images {location, tag}, default_platform (optional), platform_overrides, gpu_quotas {pool: {guarantee,
    maximum, weight}}, azureml_workspace (optional), azureml_pools (the pools AzureML owns, for the isolation
    check).
    """
    pools = settings["node_pools"]
    osmo_pools = list(settings["osmo_pools"])
    if not osmo_pools:
        raise InputError("osmo_node_pool_names is empty: OSMO needs at least one GPU node pool (set workloads: osmo on a "
                         "pool in node_pools, or list pools in osmo_node_pool_names)")
    identity = settings.get("workload_identity", True)
    storage = settings.get("storage") or {}
    account = required(storage.get("account"), "osmo_storage_account",
                       "the storage account for OSMO's workflow data, logs and apps (platform_facts.storage_account.name)")
    container = required(storage.get("container"), "osmo_storage_container", "the blob container OSMO writes to")
    blob_endpoint = (storage.get("blob_endpoint") or "https://%s.blob.core.windows.net" % account).rstrip("/")
    region = storage.get("region")
    namespaces = settings["namespaces"]
    gateway = "osmo-gateway.%s.svc.cluster.local" % namespaces["control_plane"]
    backend = settings.get("backend_name", "default")
    images = settings.get("images") or {}

    platform_map = platforms(pools, osmo_pools, identity, settings.get("platform_overrides"))
    default_platform = settings.get("default_platform") or osmo_pools[0]
    if default_platform not in platform_map:
        raise InputError("osmo_default_platform %r is not a platform (platforms: %s)"
                         % (default_platform, ", ".join(sorted(platform_map))))
    quotas = settings.get("gpu_quotas") or {}
    for name in quotas:
        if name not in osmo_pools and name != DEFAULT_POOL:
            raise InputError("osmo_gpu_quotas names %r, which is not an OSMO pool (%s)"
                             % (name, ", ".join(osmo_pools + [DEFAULT_POOL])))
    osmo_pool_map = {}
    for name in osmo_pools:
        osmo_pool_map[name] = _pool("GPU node pool %s" % name, backend, name, {name: platform_map[name]},
                                    quotas.get(name))
    osmo_pool_map[DEFAULT_POOL] = _pool("Every platform: %s" % ", ".join(sorted(platform_map)), backend,
                                        default_platform, platform_map, quotas.get(DEFAULT_POOL))

    def credential(path):
        item = {"endpoint": "azure://%s/%s/%s" % (account, container, path)}
        if region:
            item["region"] = region
        return {"credential": item}

    workflow = {
        "workflow_data": dict(credential("workflows/data"), base_url="%s/%s" % (blob_endpoint, container)),
        "workflow_log": credential("workflows/logs"),
        "workflow_app": credential("apps"),
    }
    if images.get("location") and images.get("tag"):
        workflow["backend_images"] = {"init": "%s/init-container:%s" % (images["location"], images["tag"]),
                                      "client": "%s/client:%s" % (images["location"], images["tag"])}
    configs = {
        "service": {"service_base_url": "http://%s" % gateway},
        "workflow": workflow,
        "backends": {backend: {
            "description": "AKS cluster, workflows in %s, scheduled by KAI" % namespaces["workflows"],
            "k8s_namespace": namespaces["workflows"],
            "router_address": "ws://%s" % gateway,
            "scheduler_settings": {"scheduler_type": "kai", "scheduler_name": "kai-scheduler",
                                   "scheduler_timeout": 30},
        }},
        "pools": osmo_pool_map,
        "podTemplates": pod_templates(pools, osmo_pools, settings["workflow_service_account"], identity,
                                      settings.get("azureml_workspace")),
        "resourceValidations": resource_validations(),
    }
    assignment = {"osmo": osmo_pools, "azureml": list(settings.get("azureml_pools") or [])}
    problems = isolation_problems(pools, assignment, {"osmo": platform_selectors(configs)})
    if problems:
        raise InputError("osmo_platform_overrides: %s" % "; ".join(problems))
    return configs


def platform_selectors(configs):
    """(what, nodeSelector) of every pod template, for the isolation check."""
    return [("OSMO pod template %s" % name, (template.get("spec") or {}).get("nodeSelector"))
            for name, template in sorted(configs["podTemplates"].items())
            if (template.get("spec") or {}).get("nodeSelector")]
