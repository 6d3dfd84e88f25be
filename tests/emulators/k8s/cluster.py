"""The emulated cluster: store, served types, API semantics and the controllers that make objects converge."""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid

from . import defaults, fieldmanager, validation
from .api import Api
from .jobs import JobBehaviour, JobController, TtlController
from .kinds import Registry
from .scheduling import place, quantity
from .selectors import selector_object_match
from .store import Store, clone

NAMESPACES = ("", "namespaces")
CRDS = ("apiextensions.k8s.io", "customresourcedefinitions")
PODS = ("", "pods")
NODES = ("", "nodes")
PVS = ("", "persistentvolumes")
PVCS = ("", "persistentvolumeclaims")
CONTROLLERS = ("crd", "namespace", "gc", "workloads", "pods", "jobs", "ttl", "volumes", "nodes")


@dataclasses.dataclass
class Config:
    version: str = "1.33"                 # reported by /version; also selects the strict schemas
    strict: bool = True                   # schema-check built-in kinds (kubernetes-validate)
    crd_established_delay: float = 0.3    # seconds between a CRD's creation and its Established condition
    workload_ready_delay: float = 0.2     # Deployments/StatefulSets/DaemonSets become ready after this
    pod_start_delay: float = 0.0          # Pending -> Running
    pod_duration: float = 0.05            # how long a Job pod (or a run-to-completion pod) runs
    job_backoff: float = 0.0              # delay before a failed index/pod is replaced
    ttl_scale: float = 1.0                # multiplies ttlSecondsAfterFinished (tests shorten it)
    tick: float = 0.02                    # controller loop period
    watch_timeout: float = 1800.0         # default server-side watch timeout
    bookmark_interval: float = 1.0
    controllers: tuple = CONTROLLERS      # which controllers run


class Cluster:
    def __init__(self, config: Config | None = None, address: str = "127.0.0.1:6443"):
        self.config = config or Config()
        self.address = address
        self.store = Store()
        self.registry = Registry()
        self.api = Api(self)
        self.job_behaviours: list = []
        self.workload_behaviours: dict = {}   # (kind, namespace, name) -> {"ready": bool}
        self.job_started: dict = {}
        self.schemas: dict = {}               # (group, version, plural) -> openAPIV3Schema
        self.stopping = False
        self.errors: list = []                # controller exceptions (tests assert it stays empty)
        self._thread = None
        self.jobs = JobController(self)
        self.controllers = {
            "crd": CrdController(self), "namespace": NamespaceController(self), "gc": GarbageCollector(self),
            "workloads": WorkloadController(self), "pods": PodController(self), "jobs": self.jobs,
            "ttl": TtlController(self, self.jobs), "volumes": VolumeController(self), "nodes": NodeController(self),
        }
        for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.controller_create(NAMESPACES, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
                                   "kube-apiserver")

    # -- lifecycle ------------------------------------------------------------------------------------------------
    def start(self):
        if self.config.strict:   # schema loading is a one-off cost per process; pay it before serving
            validation.warm_up(self.config.version, [(t.kind, t.group_version) for t in self.registry.all()])
        self._thread = threading.Thread(target=self._loop, name="k8s-emulator-controllers", daemon=True)
        self._thread.start()

    def stop(self):
        self.stopping = True
        self.store.close()
        if self._thread:
            self._thread.join(timeout=5)

    def _loop(self):
        while not self.stopping:
            started = time.monotonic()
            for name in self.config.controllers:
                controller = self.controllers.get(name)
                if controller is None:
                    continue
                try:
                    controller.reconcile(time.monotonic())
                except Exception as exc:  # a controller bug must not kill the loop; it is logged instead
                    self.errors.append(f"{name}: {exc!r}")
            time.sleep(max(0.0, self.config.tick - (time.monotonic() - started)))

    def version_info(self) -> dict:
        major, minor = self.config.version.split(".")[:2]
        return {"major": major, "minor": minor, "gitVersion": f"v{major}.{minor}.0", "gitCommit": "emulator",
                "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.24",
                "compiler": "gc", "platform": "linux/amd64"}

    # -- behaviours (programmed by tests) -------------------------------------------------------------------------
    def add_job_behaviour(self, behaviour: JobBehaviour | dict) -> None:
        if isinstance(behaviour, dict):
            behaviour = JobBehaviour.from_dict(behaviour)
        self.job_behaviours.append(behaviour)

    def add_node(self, name: str, labels: dict | None = None, taints: list | None = None,
                 capacity: dict | None = None) -> dict:
        """Declares a Ready node (emulator only: real nodes come from node pools)."""
        capacity = {"cpu": "8", "memory": "32Gi", "pods": "110", **(capacity or {})}
        node = {"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                                                      "kubernetes.io/arch": "amd64", **(labels or {})}},
                "spec": {"taints": list(taints or [])} if taints else {},
                "status": {"capacity": capacity, "allocatable": dict(capacity)}}
        with self.store.lock:
            return self.controller_create(NODES, node, "kubelet")

    # -- helpers used by controllers ------------------------------------------------------------------------------
    def schema_for(self, rtype):
        if not rtype.custom:
            return None
        return self.schemas.get((rtype.group, rtype.version, rtype.plural))

    def controller_create(self, key, obj, manager) -> dict:
        rtype = self.registry.by_key(key)
        meta = obj["metadata"]
        if not meta.get("name"):
            from .api import _suffix

            meta["name"] = meta["generateName"] + _suffix()
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = fieldmanager.now_rfc3339()
        if rtype.has_generation:
            meta["generation"] = 1
        defaults.apply_defaults(obj)
        fieldmanager.record_update(None, obj, manager, rtype.group_version, self.api.lists(rtype))
        return self.store.put(key, obj)

    def controller_update(self, key, obj, manager, old=None, subresource=None) -> dict:
        rtype = self.registry.by_key(key)
        meta = obj["metadata"]
        old = old or self.store.get(key, meta.get("namespace"), meta["name"])
        if old is None:
            return obj
        fieldmanager.record_update(old, obj, manager, rtype.group_version, self.api.lists(rtype), subresource)
        self.store.put(key, obj, result=False)
        return obj

    def controller_status(self, key, obj, manager, old=None) -> dict:
        return self.controller_update(key, obj, manager, old, "status")

    def delete_object(self, key, obj, policy="Background") -> None:
        rtype = self.registry.by_key(key)
        current = self.store.get(key, obj["metadata"].get("namespace"), obj["metadata"]["name"])
        if current is not None and rtype is not None:
            self.api._remove(rtype, current, policy)

    def orphan_dependents(self, owner_uid) -> None:
        for key, ns, name in self.store.dependents(owner_uid):
            obj = self.store.get(key, ns, name)
            if obj is None:
                continue
            obj["metadata"]["ownerReferences"] = [r for r in obj["metadata"].get("ownerReferences") or []
                                                  if r.get("uid") != owner_uid]
            if not obj["metadata"]["ownerReferences"]:
                del obj["metadata"]["ownerReferences"]
            self.controller_update(key, obj, "kube-controller-manager")


class CrdController:
    """Registers a CRD's types (and its Established condition) after ``crd_established_delay``; cleans up."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.seen: dict = {}          # uid -> monotonic time first seen
        self.served: dict = {}        # CRD name -> generation registered

    def reconcile(self, now):
        store, registry = self.cluster.store, self.cluster.registry
        with store.lock:
            crds, _ = store.list(CRDS)
            names = set()
            for crd in crds:
                meta = crd["metadata"]
                names.add(meta["name"])
                if meta.get("deletionTimestamp"):
                    self._delete(crd)
                    continue
                first = self.seen.setdefault(meta["uid"], now)
                if self.served.get(meta["name"]) == meta.get("generation"):
                    continue
                if meta["name"] not in self.served and now - first < self.cluster.config.crd_established_delay:
                    continue
                self._establish(crd)
            for name in list(self.served):
                if name not in names:
                    registry.unregister_crd(name)
                    del self.served[name]

    def _establish(self, crd):
        spec = crd["spec"]
        for rtype in self.cluster.registry.register_crd(crd):
            version = next(v for v in spec["versions"] if v["name"] == rtype.version)
            self.cluster.schemas[(rtype.group, rtype.version, rtype.plural)] = \
                (version.get("schema") or {}).get("openAPIV3Schema")
        self.served[crd["metadata"]["name"]] = crd["metadata"].get("generation")
        status = crd.setdefault("status", {})
        names = clone(spec["names"])
        status["acceptedNames"] = names
        stored = set(status.get("storedVersions") or [])
        stored.add(next(v["name"] for v in spec["versions"] if v.get("storage")))
        status["storedVersions"] = sorted(stored)
        now = fieldmanager.now_rfc3339()
        conditions = {c["type"]: c for c in status.get("conditions") or []}
        conditions["NamesAccepted"] = conditions.get("NamesAccepted") or {
            "type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found",
            "lastTransitionTime": now}
        conditions["Established"] = conditions.get("Established") or {
            "type": "Established", "status": "True", "reason": "InitialNamesAccepted",
            "message": "the initial names have been accepted", "lastTransitionTime": now}
        status["conditions"] = [conditions["NamesAccepted"], conditions["Established"]]
        self.cluster.controller_status(CRDS, crd, "kube-apiserver")

    def _delete(self, crd):
        name = crd["metadata"]["name"]
        spec = crd["spec"]
        self.cluster.store.drop_resource((spec["group"], spec["names"]["plural"]))
        self.cluster.registry.unregister_crd(name)
        self.served.pop(name, None)
        self.cluster.store.remove(CRDS, None, name)


class NamespaceController:
    """Finalizes terminating namespaces (deletes their content) and seeds new ones (default SA, root CA)."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.seeded: set = set()

    def reconcile(self, now):
        store = self.cluster.store
        with store.lock:
            namespaces, _ = store.list(NAMESPACES)
            for ns in namespaces:
                meta = ns["metadata"]
                if meta.get("deletionTimestamp"):
                    for key, namespace, name in store.namespaced_in(meta["name"]):
                        store.remove(key, namespace, name)
                    store.remove(NAMESPACES, None, meta["name"])
                    self.seeded.discard(meta["uid"])
                elif meta["uid"] not in self.seeded:
                    self.seeded.add(meta["uid"])
                    if store.get(("", "serviceaccounts"), meta["name"], "default") is None:
                        self.cluster.controller_create(("", "serviceaccounts"), {
                            "apiVersion": "v1", "kind": "ServiceAccount",
                            "metadata": {"name": "default", "namespace": meta["name"]}}, "kube-controller-manager")
                    if store.get(("", "configmaps"), meta["name"], "kube-root-ca.crt") is None:
                        self.cluster.controller_create(("", "configmaps"), {
                            "apiVersion": "v1", "kind": "ConfigMap",
                            "metadata": {"name": "kube-root-ca.crt", "namespace": meta["name"],
                                         "annotations": {"kubernetes.io/description": "Contains a CA bundle that "
                                                         "can be used to verify the kube-apiserver when using "
                                                         "internal endpoints such as the internal service IP or "
                                                         "kubernetes.default.svc."}},
                            "data": {"ca.crt": "-----BEGIN CERTIFICATE-----\nemulated\n-----END CERTIFICATE-----\n"}},
                            "kube-controller-manager")


class GarbageCollector:
    """Deletes dependents whose owners are gone (Background), and finishes Foreground deletions."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.cursor = cluster.store.resource_version

    def reconcile(self, now):
        store = self.cluster.store
        with store.lock:
            events = store.events_after(self.cursor)
            if events:
                self.cursor = events[-1].rv
            for event in events:
                if event.type == "DELETED":
                    uid = event.obj["metadata"]["uid"]
                    for key, ns, name in store.dependents(uid):
                        obj = store.get(key, ns, name)
                        if obj is None:
                            continue
                        refs = [r for r in obj["metadata"].get("ownerReferences") or [] if r.get("uid") != uid]
                        alive = [r for r in refs if self._exists(r, ns)]
                        if not alive:
                            self.cluster.delete_object(key, obj, "Background")
                elif event.obj["metadata"].get("deletionTimestamp") and \
                        "foregroundDeletion" in (event.obj["metadata"].get("finalizers") or []):
                    self._foreground(event.key, event.obj)

    def _exists(self, ref, namespace) -> bool:
        group = ref["apiVersion"].rpartition("/")[0]
        rtype = self.cluster.registry.by_kind(group, ref["kind"])
        if rtype is None:
            return False
        obj = self.cluster.store.peek(rtype.key, namespace if rtype.namespaced else None, ref["name"])
        return obj is not None and obj["metadata"]["uid"] == ref["uid"]

    def _foreground(self, key, owner):
        store = self.cluster.store
        meta = owner["metadata"]
        for dkey, ns, name in store.dependents(meta["uid"]):
            obj = store.get(dkey, ns, name)
            if obj is not None:
                self.cluster.delete_object(dkey, obj, "Foreground")
        if not store.dependents(meta["uid"]):
            current = store.get(key, meta.get("namespace"), meta["name"])
            if current is None:
                return
            current["metadata"]["finalizers"] = [f for f in current["metadata"].get("finalizers") or []
                                                 if f != "foregroundDeletion"]
            if current["metadata"]["finalizers"]:
                self.cluster.controller_update(key, current, "kube-controller-manager")
            else:
                store.remove(key, meta.get("namespace"), meta["name"])


class WorkloadController:
    """Deployments, StatefulSets and DaemonSets report ready replicas ``workload_ready_delay`` after a change.

    No ReplicaSets or pods are created for them; the status fields are the ones kubernetes.core's waiters read.
    """

    KEYS = (("apps", "deployments"), ("apps", "statefulsets"), ("apps", "daemonsets"))

    def __init__(self, cluster):
        self.cluster = cluster
        self.changed_at: dict = {}    # (uid, generation) -> monotonic time

    def reconcile(self, now):
        store = self.cluster.store
        with store.lock:
            for key in self.KEYS:
                items, _ = store.list(key)
                for obj in items:
                    meta = obj["metadata"]
                    status = obj.get("status") or {}
                    if status.get("observedGeneration") == meta.get("generation"):
                        continue
                    first = self.changed_at.setdefault((meta["uid"], meta.get("generation")), now)
                    behaviour = self.cluster.workload_behaviours.get((obj["kind"], meta["namespace"], meta["name"]),
                                                                     {})
                    if now - first < self.cluster.config.workload_ready_delay or behaviour.get("ready") is False:
                        continue
                    obj["status"] = getattr(self, "_" + obj["kind"].lower())(obj)
                    self.cluster.controller_status(key, obj, "kube-controller-manager")

    @staticmethod
    def _deployment(obj):
        replicas = obj["spec"].get("replicas", 1)
        now = fieldmanager.now_rfc3339()
        status = {"observedGeneration": obj["metadata"]["generation"],
                  "conditions": [
                      {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                       "message": "Deployment has minimum availability.", "lastUpdateTime": now,
                       "lastTransitionTime": now},
                      {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                       "message": f'ReplicaSet "{obj["metadata"]["name"]}-7d4b9c8f6d" has successfully progressed.',
                       "lastUpdateTime": now, "lastTransitionTime": now}]}
        if replicas:
            status.update(replicas=replicas, updatedReplicas=replicas, readyReplicas=replicas,
                          availableReplicas=replicas)
        return status

    @staticmethod
    def _statefulset(obj):
        replicas = obj["spec"].get("replicas", 1)
        revision = f'{obj["metadata"]["name"]}-{obj["metadata"]["generation"]:08x}'
        return {"observedGeneration": obj["metadata"]["generation"], "replicas": replicas,
                "readyReplicas": replicas, "currentReplicas": replicas, "updatedReplicas": replicas,
                "availableReplicas": replicas, "currentRevision": revision, "updateRevision": revision,
                "collisionCount": 0}

    def _daemonset(self, obj):
        nodes, _ = self.cluster.store.list(NODES)
        pod_spec = obj["spec"].get("template", {}).get("spec", {})
        desired = sum(1 for n in nodes if place(pod_spec, [n], {})[0] is not None) if nodes else 1
        return {"observedGeneration": obj["metadata"]["generation"], "desiredNumberScheduled": desired,
                "currentNumberScheduled": desired, "numberReady": desired, "updatedNumberScheduled": desired,
                "numberAvailable": desired, "numberMisscheduled": 0}


class PodController:
    """Pods not owned by a Job: scheduled, then Running and Ready (restartPolicy Always) or run to completion."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.started: dict = {}

    def reconcile(self, now):
        store = self.cluster.store
        with store.lock:
            pending = store.select(PODS, lambda p: p.get("status", {}).get("phase") in ("Pending", "Running")
                                   and not any(r.get("kind") == "Job"
                                               for r in p["metadata"].get("ownerReferences") or []))
            if not pending:
                return
            nodes, _ = store.list(NODES)
            for pod in pending:
                self._advance(pod, now, nodes)

    def _advance(self, pod, now, nodes):
        status, spec = pod["status"], pod["spec"]
        stamp = fieldmanager.now_rfc3339()
        if status["phase"] == "Pending":
            if not spec.get("nodeName"):
                node, message = place(spec, nodes, {})
                if node is None:
                    cond = [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message,
                             "lastProbeTime": None, "lastTransitionTime": stamp}]
                    if (status.get("conditions") or [{}])[0].get("message") != message:
                        status["conditions"] = cond
                        self.cluster.controller_status(PODS, pod, "default-scheduler")
                    return
                spec["nodeName"] = node
            first = self.started.setdefault(pod["metadata"]["uid"], now)
            if now - first < self.cluster.config.pod_start_delay:
                return
            status.update(phase="Running", startTime=stamp, hostIP="10.224.0.4", podIP="10.244.0.11")
            status["conditions"] = [{"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": stamp}
                                    for t in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady",
                                              "PodScheduled")]
            status["containerStatuses"] = [{"name": c["name"], "ready": True, "started": True, "restartCount": 0,
                                            "image": c.get("image", ""), "imageID": "",
                                            "state": {"running": {"startedAt": stamp}}}
                                           for c in spec.get("containers") or []]
            self.cluster.controller_update(PODS, pod, "kubelet")
        elif spec.get("restartPolicy") in ("Never", "OnFailure"):
            first = self.started.setdefault(pod["metadata"]["uid"], now)
            if now - first < self.cluster.config.pod_start_delay + self.cluster.config.pod_duration:
                return
            status["phase"] = "Succeeded"
            for cs in status.get("containerStatuses") or []:
                cs.update(ready=False, started=False, state={"terminated": {"exitCode": 0, "reason": "Completed",
                                                                            "finishedAt": stamp}})
            self.cluster.controller_update(PODS, pod, "kubelet")


class VolumeController:
    """Binds PersistentVolumeClaims to PersistentVolumes (static provisioning) and releases them."""

    def __init__(self, cluster):
        self.cluster = cluster

    def reconcile(self, now):
        store = self.cluster.store
        with store.lock:
            pvs, _ = store.list(PVS)
            claims, _ = store.list(PVCS)
            if not pvs and not claims:
                return
            by_claim = {(c["metadata"]["namespace"], c["metadata"]["name"]): c for c in claims}
            for pv in pvs:
                ref = pv["spec"].get("claimRef")
                phase = pv.get("status", {}).get("phase")
                if ref and ref.get("uid"):
                    claim = by_claim.get((ref.get("namespace"), ref.get("name")))
                    if (claim is None or claim["metadata"]["uid"] != ref["uid"]) and phase == "Bound":
                        self._release(pv)
                elif phase in (None, "Pending"):
                    pv.setdefault("status", {})["phase"] = "Available"
                    self.cluster.controller_status(PVS, pv, "kube-controller-manager")
            pvs, _ = store.list(PVS)
            for claim in claims:
                if claim.get("status", {}).get("phase") == "Bound" or claim["metadata"].get("deletionTimestamp"):
                    continue
                pv = self._match(claim, pvs)
                if pv is not None:
                    self._bind(pv, claim)

    @staticmethod
    def _fits(pv, claim) -> bool:
        spec, cspec = pv["spec"], claim["spec"]
        if (spec.get("storageClassName") or "") != (cspec.get("storageClassName") or ""):
            return False
        if not set(cspec.get("accessModes") or []) <= set(spec.get("accessModes") or []):
            return False
        wanted = quantity(((cspec.get("resources") or {}).get("requests") or {}).get("storage", 0))
        if quantity((spec.get("capacity") or {}).get("storage", 0)) < wanted:
            return False
        if cspec.get("selector") and not selector_object_match(cspec["selector"], pv["metadata"].get("labels")):
            return False
        return spec.get("volumeMode", "Filesystem") == cspec.get("volumeMode", "Filesystem")

    def _match(self, claim, pvs):
        meta = claim["metadata"]
        wanted = claim["spec"].get("volumeName")
        for pv in pvs:
            ref = pv["spec"].get("claimRef") or {}
            if wanted and pv["metadata"]["name"] != wanted:
                continue
            if pv.get("status", {}).get("phase") not in ("Available",) and not (
                    ref.get("name") == meta["name"] and ref.get("namespace") == meta["namespace"]):
                continue
            if ref and (ref.get("name") != meta["name"] or ref.get("namespace") != meta["namespace"]):
                continue
            if self._fits(pv, claim):
                return pv
        return None

    def _bind(self, pv, claim):
        meta = claim["metadata"]
        pv["spec"]["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": meta["namespace"],
                                  "name": meta["name"], "uid": meta["uid"], "apiVersion": "v1",
                                  "resourceVersion": meta["resourceVersion"]}
        pv.setdefault("metadata", {}).setdefault("annotations", {})["pv.kubernetes.io/bound-by-controller"] = "yes"
        self.cluster.controller_update(PVS, pv, "kube-controller-manager")
        pv = self.cluster.store.get(PVS, None, pv["metadata"]["name"])
        pv["status"] = {"phase": "Bound", "lastPhaseTransitionTime": fieldmanager.now_rfc3339()}
        self.cluster.controller_status(PVS, pv, "kube-controller-manager")
        claim["spec"]["volumeName"] = pv["metadata"]["name"]
        annotations = meta.setdefault("annotations", {})
        annotations["pv.kubernetes.io/bind-completed"] = "yes"
        annotations["pv.kubernetes.io/bound-by-controller"] = "yes"
        self.cluster.controller_update(PVCS, claim, "kube-controller-manager")
        claim = self.cluster.store.get(PVCS, meta["namespace"], meta["name"])
        claim["status"] = {"phase": "Bound", "accessModes": pv["spec"]["accessModes"],
                           "capacity": pv["spec"]["capacity"]}
        self.cluster.controller_status(PVCS, claim, "kube-controller-manager")

    def _release(self, pv):
        if pv["spec"].get("persistentVolumeReclaimPolicy") == "Delete":
            self.cluster.store.remove(PVS, None, pv["metadata"]["name"])
            return
        pv["status"] = {"phase": "Released", "lastPhaseTransitionTime": fieldmanager.now_rfc3339()}
        self.cluster.controller_status(PVS, pv, "kube-controller-manager")


class NodeController:
    """Nodes report Ready with the capacity they were declared with (allocatable defaults to capacity)."""

    def __init__(self, cluster):
        self.cluster = cluster

    def reconcile(self, now):
        store = self.cluster.store
        with store.lock:
            nodes, _ = store.list(NODES)
            for node in nodes:
                status = node.get("status") or {}
                if any(c.get("type") == "Ready" for c in status.get("conditions") or []):
                    continue
                stamp = fieldmanager.now_rfc3339()
                capacity = status.get("capacity") or {"cpu": "4", "memory": "16Gi", "pods": "110"}
                status.update(capacity=capacity, allocatable=status.get("allocatable") or dict(capacity),
                              conditions=[{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                           "message": "kubelet is posting ready status", "lastHeartbeatTime": stamp,
                                           "lastTransitionTime": stamp}],
                              nodeInfo={"kubeletVersion": f"v{self.cluster.config.version}.0",
                                        "architecture": "amd64", "operatingSystem": "linux"})
                node["status"] = status
                self.cluster.controller_status(NODES, node, "kubelet")
