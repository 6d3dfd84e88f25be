"""Parsing ARM request paths into what they address.

ARM ids nest: subscription -> resource group -> provider resources (``providers/NS/type/name``,
child types alternating ``type/name``) -> extension resources on any of those
(``.../providers/NS2/type2/name2``, e.g. role assignments or Kubernetes extensions).
A path ending on a type is a collection (GET) or, with POST, an action on the resource before it.
Keywords (``subscriptions``, ``resourceGroups``, ``providers``) and types are case-insensitive.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import unquote


@dataclasses.dataclass
class Target:
    kind: str                      # see parse()
    subscription: str | None = None
    resource_group: str | None = None
    namespace: str | None = None
    type: str | None = None        # full type, e.g. Microsoft.ContainerService/managedClusters/agentPools
    id: str | None = None          # the addressed resource (resource, action) or None
    parent: str | None = None      # id of the parent resource or scope
    container: str | None = None   # for collections: id of the scope listed under
    name: str | None = None
    action: str | None = None
    location: str | None = None    # for operation status URLs
    operation: str | None = None

    @property
    def key(self) -> str | None:
        return self.id.lower() if self.id else None


def _join(*parts: str) -> str:
    return "/" + "/".join(p.strip("/") for p in parts if p)


def parse(path: str, method: str) -> Target:
    """Kinds: subscriptions, subscription, resource_groups, resource_group, rg_resources, providers,
    provider, provider_action, resource, collection, action, operation_status, operation_result, unknown."""
    segments = [unquote(s) for s in path.split("?", 1)[0].strip("/").split("/") if s]
    lowered = [s.lower() for s in segments]
    if not segments:
        return Target("unknown")
    if lowered == ["subscriptions"]:
        return Target("subscriptions")
    scope = ""
    subscription = resource_group = None
    i = 0
    if lowered[0] == "subscriptions":
        subscription = segments[1]
        scope = _join("subscriptions", subscription)
        i = 2
        if i == len(segments):
            return Target("subscription", subscription=subscription, id=scope)
        if lowered[i] == "resourcegroups":
            if i + 1 == len(segments):
                return Target("resource_groups", subscription=subscription, container=scope)
            resource_group = segments[i + 1]
            rg_id = _join(scope, "resourceGroups", resource_group)
            i += 2
            if i == len(segments):
                return Target("resource_group", subscription=subscription, resource_group=resource_group,
                              type="Microsoft.Resources/resourceGroups", id=rg_id, parent=scope, name=resource_group)
            if lowered[i] == "resources" and i + 1 == len(segments):
                return Target("rg_resources", subscription=subscription, resource_group=resource_group,
                              container=rg_id)
            scope = rg_id
    if i >= len(segments) or lowered[i] != "providers":
        return Target("unknown", subscription=subscription, resource_group=resource_group)

    # One or more provider chains: providers/NS/type/name[/type/name]...[/tail]
    base = dict(subscription=subscription, resource_group=resource_group)
    current_id = scope
    first_chain = True
    while i < len(segments):
        if lowered[i] != "providers":
            return Target("unknown", **base)
        if i + 1 == len(segments):
            if resource_group is None and first_chain and subscription:
                return Target("providers", container=scope, **base)
            return Target("unknown", **base)
        namespace = segments[i + 1]
        i += 2
        if i == len(segments):
            if resource_group is None and first_chain and subscription:
                return Target("provider", namespace=namespace, id=_join(scope, "providers", namespace), **base)
            return Target("unknown", **base)
        types: list[str] = []
        parent = current_id
        chain_start = current_id
        while i < len(segments) and lowered[i] != "providers":
            resource_type = segments[i]
            if i + 1 == len(segments):
                # A trailing type: collection, action, or provider-level action.
                full_type = "/".join([namespace] + types + [resource_type])
                if not types and resource_group is None and first_chain and method == "POST":
                    return Target("provider_action", namespace=namespace, action=resource_type,
                                  id=_join(scope, "providers", namespace), **base)
                if method == "POST" and types:
                    return Target("action", namespace=namespace, type="/".join([namespace] + types), id=current_id,
                                  parent=parent, action=resource_type, name=current_id.rsplit("/", 1)[-1], **base)
                container = current_id if types else chain_start
                return Target("collection", namespace=namespace, type=full_type, container=container,
                              parent=container, **base)
            name = segments[i + 1]
            types.append(resource_type)
            parent = current_id
            if len(types) == 1:
                current_id = _join(chain_start, "providers", namespace, resource_type, name)
            else:
                current_id = _join(current_id, resource_type, name)
            i += 2
        full_type = "/".join([namespace] + types)
        lowered_types = [t.lower() for t in types]
        if first_chain and resource_group is None and len(types) == 2 and lowered_types[0] == "locations" \
                and lowered_types[1] in ("operations", "operationresults", "operationstatuses", "asyncoperations"):
            kind = "operation_result" if lowered_types[1] == "operationresults" else "operation_status"
            return Target(kind, namespace=namespace, location=segments[-3], operation=segments[-1], **base)
        if i == len(segments):
            return Target("resource", namespace=namespace, type=full_type, id=current_id, parent=parent,
                          name=current_id.rsplit("/", 1)[-1], **base)
        first_chain = False
    return Target("unknown", **base)
