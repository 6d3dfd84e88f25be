"""Resource types the emulator serves: the built-in kinds, and custom ones registered from CRDs.

A ResourceType is what discovery publishes for one group/version/resource; the registry keeps them and
answers the lookups the router and the discovery endpoints need.
"""

from __future__ import annotations

import dataclasses
import threading

VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
SUB_VERBS = ("get", "patch", "update")


@dataclasses.dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    short_names: tuple = ()
    subresources: tuple = ()          # e.g. ("status", "scale")
    has_generation: bool = False      # metadata.generation is bumped on spec changes
    categories: tuple = ()
    crd_name: str | None = None       # set for custom resources

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> tuple:
        """Storage key: one store per group/resource, whatever the version."""
        return (self.group, self.plural)

    @property
    def list_kind(self) -> str:
        return self.kind + "List"

    @property
    def custom(self) -> bool:
        return self.crd_name is not None

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources

    def discovery(self) -> list:
        entries = [{
            "name": self.plural, "singularName": self.singular, "namespaced": self.namespaced, "kind": self.kind,
            "verbs": list(VERBS) if self.plural != "namespaces" else [v for v in VERBS if v != "deletecollection"],
        }]
        if self.short_names:
            entries[0]["shortNames"] = list(self.short_names)
        if self.categories:
            entries[0]["categories"] = list(self.categories)
        for sub in self.subresources:
            kind = "Scale" if sub == "scale" else self.kind
            group = "autoscaling" if sub == "scale" else None
            entry = {"name": f"{self.plural}/{sub}", "singularName": "", "namespaced": self.namespaced, "kind": kind,
                     "verbs": list(SUB_VERBS)}
            if group:
                entry.update(group=group, version="v1")
            entries.append(entry)
        return entries


def _t(group, version, kind, plural, namespaced, short=(), subs=(), generation=False, categories=()):
    return ResourceType(group, version, kind, plural, kind.lower(), namespaced, tuple(short), tuple(subs),
                        generation, tuple(categories))


BUILTIN = (
    _t("", "v1", "Namespace", "namespaces", False, ("ns",), ("status", "finalize")),
    _t("", "v1", "ConfigMap", "configmaps", True, ("cm",)),
    _t("", "v1", "Secret", "secrets", True),
    _t("", "v1", "ServiceAccount", "serviceaccounts", True, ("sa",)),
    _t("", "v1", "Service", "services", True, ("svc",), ("status",), categories=("all",)),
    _t("", "v1", "Pod", "pods", True, ("po",), ("status",), categories=("all",)),
    _t("", "v1", "Node", "nodes", False, ("no",), ("status",)),
    _t("", "v1", "PersistentVolume", "persistentvolumes", False, ("pv",), ("status",)),
    _t("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", True, ("pvc",), ("status",)),
    _t("", "v1", "Event", "events", True, ("ev",)),
    _t("apps", "v1", "Deployment", "deployments", True, ("deploy",), ("status", "scale"), True, ("all",)),
    _t("apps", "v1", "DaemonSet", "daemonsets", True, ("ds",), ("status",), True, ("all",)),
    _t("apps", "v1", "StatefulSet", "statefulsets", True, ("sts",), ("status", "scale"), True, ("all",)),
    _t("batch", "v1", "Job", "jobs", True, (), ("status",), True, ("all",)),
    _t("batch", "v1", "CronJob", "cronjobs", True, ("cj",), ("status",), True, ("all",)),
    _t("storage.k8s.io", "v1", "StorageClass", "storageclasses", False, ("sc",)),
    _t("storage.k8s.io", "v1", "CSIDriver", "csidrivers", False),
    _t("rbac.authorization.k8s.io", "v1", "Role", "roles", True),
    _t("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True),
    _t("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False),
    _t("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False),
    _t("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", False, ("pc",)),
    _t("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", True, ("pdb",), ("status",), True),
    _t("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", False,
       ("crd", "crds"), ("status",), True),
)


class Registry:
    """The served resource types. Custom types come and go with their CRDs (thread-safe)."""

    def __init__(self):
        self._lock = threading.RLock()
        self._types: dict[tuple, ResourceType] = {}      # (group, version, plural) -> type
        for rtype in BUILTIN:
            self._types[(rtype.group, rtype.version, rtype.plural)] = rtype
        self._preferred: dict[str, str] = {}              # custom group -> preferred version

    # -- custom types --------------------------------------------------------------------------------------------
    def register_crd(self, crd: dict) -> list:
        spec = crd["spec"]
        names = spec["names"]
        added = []
        with self._lock:
            self.unregister_crd(crd["metadata"]["name"])
            versions = [v for v in spec["versions"] if v.get("served", True)]
            for ver in versions:
                subs = []
                if "status" in (ver.get("subresources") or {}):
                    subs.append("status")
                if "scale" in (ver.get("subresources") or {}):
                    subs.append("scale")
                rtype = ResourceType(spec["group"], ver["name"], names["kind"], names["plural"],
                                     names.get("singular", names["kind"].lower()), spec["scope"] == "Namespaced",
                                     tuple(names.get("shortNames") or ()), tuple(subs), True,
                                     tuple(names.get("categories") or ()), crd["metadata"]["name"])
                self._types[(rtype.group, rtype.version, rtype.plural)] = rtype
                added.append(rtype)
            if versions:
                self._preferred[spec["group"]] = _preferred_version([v["name"] for v in versions])
        return added

    def unregister_crd(self, crd_name: str) -> None:
        with self._lock:
            for key, rtype in list(self._types.items()):
                if rtype.crd_name == crd_name:
                    del self._types[key]
            groups = {t.group for t in self._types.values() if t.custom}
            self._preferred = {g: v for g, v in self._preferred.items() if g in groups}

    # -- lookups -------------------------------------------------------------------------------------------------
    def get(self, group: str, version: str, plural: str) -> ResourceType | None:
        with self._lock:
            return self._types.get((group, version, plural))

    def by_kind(self, group: str, kind: str) -> ResourceType | None:
        with self._lock:
            for rtype in self._types.values():
                if rtype.group == group and rtype.kind == kind:
                    return rtype
        return None

    def by_key(self, key: tuple) -> ResourceType | None:
        """Any served version of the group/resource ``key`` (the preferred one when several are served)."""
        with self._lock:
            matches = [t for t in self._types.values() if t.key == key]
            if not matches:
                return None
            preferred = self._preferred.get(key[0])
            for rtype in matches:
                if rtype.version == preferred:
                    return rtype
            return matches[0]

    def all(self) -> list:
        with self._lock:
            return list(self._types.values())

    def groups(self) -> dict:
        """group -> (versions, preferred version); the core group is not listed (it is served under /api)."""
        with self._lock:
            result: dict[str, list] = {}
            for rtype in self._types.values():
                if rtype.group:
                    versions = result.setdefault(rtype.group, [])
                    if rtype.version not in versions:
                        versions.append(rtype.version)
            return {g: (sorted(v, key=_version_rank, reverse=True), self._preferred.get(g) or _preferred_version(v))
                    for g, v in result.items()}

    def resources(self, group: str, version: str) -> list:
        with self._lock:
            return [t for t in self._types.values() if t.group == group and t.version == version]


def _version_rank(version: str) -> tuple:
    """Kubernetes version priority: GA > beta > alpha, then by number (v2 > v1, v1beta2 > v1beta1)."""
    import re

    match = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not match:
        return (-1, 0, 0, version)
    major, stage, minor = match.groups()
    return ({None: 3, "beta": 2, "alpha": 1}[stage], int(major), int(minor or 0), version)


def _preferred_version(versions) -> str:
    return sorted(versions, key=_version_rank, reverse=True)[0]
