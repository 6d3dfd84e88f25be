"""The cluster state resim batches expect (what the resim_cluster role creates), on the Kubernetes emulator."""

from __future__ import annotations

import kubernetes

from support.waiting import wait_until

# The reference's default GPU pool, time-sliced four ways.
NODE_POOLS = {
    "gpu": {"vm_size": "Standard_NV36ads_A10_v5", "priority": "Spot", "eviction_policy": "Delete",
            "node_taints": ["nvidia.com/gpu:NoSchedule", "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"],
            "node_labels": {"accelerator": "nvidia"}, "min_count": 1, "max_count": 1, "gpu_driver": "Install",
            "gpu_sharing": {"strategy": "time-slicing", "replicas": 4}},
}


def with_claims(emulator, namespace="resim"):
    """Creates ``namespace`` with bound resim-input (ReadOnlyMany) and resim-output (ReadWriteMany) claims."""
    core = kubernetes.client.CoreV1Api(emulator.api_client())
    core.create_namespace({"metadata": {"name": namespace}})
    for name, mode in (("resim-input", "ReadOnlyMany"), ("resim-output", "ReadWriteMany")):
        core.create_persistent_volume({"metadata": {"name": f"pv-{namespace}-{name}"}, "spec": {
            "capacity": {"storage": "4096Gi"}, "accessModes": [mode], "storageClassName": "azureblob-fuse-premium",
            "csi": {"driver": "blob.csi.azure.com", "volumeHandle": f"acct_{name}_{namespace}"}}})
        core.create_namespaced_persistent_volume_claim(namespace, {"metadata": {"name": name}, "spec": {
            "accessModes": [mode], "storageClassName": "azureblob-fuse-premium",
            "volumeName": f"pv-{namespace}-{name}", "resources": {"requests": {"storage": "4096Gi"}}}})
    core.create_namespaced_service_account(namespace, {"metadata": {"name": "resim"}})
    wait_until(lambda: all(c.status.phase == "Bound" for c in core.list_namespaced_persistent_volume_claim(
        namespace).items), 10, message="claims to bind")
    emulator.clear_requests()
    return emulator
