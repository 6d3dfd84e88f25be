"""A Kubernetes API server emulator for tests (see CONTRACT.md).

    from emulators.k8s import K8sEmulator
    with K8sEmulator() as k8s:
        api = kubernetes.client.CoreV1Api(k8s.api_client())
"""

from .cluster import Cluster, Config
from .jobs import Failure, JobBehaviour
from .server import K8sEmulator

__all__ = ["Cluster", "Config", "Failure", "JobBehaviour", "K8sEmulator"]
