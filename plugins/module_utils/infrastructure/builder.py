# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Collects the platform's resources as ``arm_resources`` entries (key, kind, params, depends_on, ...).

Every component module (network, security, storage, ...) adds its resources through a ``Builder``: resource
ids are computed from names (deterministic, so most references need no output of another resource), each
resource depends on its resource group and on the registration of its resource provider, and references to
values only Azure knows (principal IDs, the OIDC issuer) are ``ref(key, path)``. Pure Python.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

# API versions the platform uses per namespace/type (stable versions unless only a preview exists).
API = {
    "Microsoft.Network": "2024-01-01",
    "Microsoft.Network/dnsResolvers": "2022-07-01",
    "Microsoft.Network/privateDnsZones": "2024-06-01",
    "Microsoft.KeyVault": "2023-07-01",
    "Microsoft.Storage": "2023-05-01",
    "Microsoft.ContainerRegistry": "2023-07-01",
    "Microsoft.OperationalInsights": "2023-09-01",
    "Microsoft.Insights/components": "2020-02-02",
    "Microsoft.Insights/dataCollection": "2023-03-11",
    "Microsoft.Insights/privateLinkScopes": "2021-07-01-preview",
    "Microsoft.Insights/diagnosticSettings": "2021-05-01-preview",
    "Microsoft.Monitor": "2023-04-03",
    "Microsoft.Dashboard": "2023-09-01",
    "Microsoft.MachineLearningServices": "2024-04-01",
    "Microsoft.DBforPostgreSQL": "2025-08-01",
    "Microsoft.Cache": "2025-07-01",
    "Microsoft.Automation": "2023-11-01",
}


def ref(key, path, fmt=None):
    """A reference to ``path`` in the result of the entry ``key`` (resolved when that entry completes)."""
    value = {"ref": "%s.%s" % (key, path)}
    if fmt:
        value["format"] = fmt
    return value


class Builder:
    def __init__(self, settings):
        self.s = settings
        self.names = settings["names"]
        self.suffix = self.names["suffix"]
        self.subscription = settings["azure_subscription_id"]
        self.group = self.names["resource_group"]
        self.location = settings["location"]
        self.tags = dict(settings["resource_tags"] or {})
        self.nodes = []
        self._keys = {}
        self.providers = set(settings["resource_providers"]) if settings["resource_providers_enabled"] else set()
        if settings["resource_providers_enabled"]:
            for namespace in sorted(self.providers):
                self.add(provider_key(namespace), "resource_provider", dict(namespace=namespace), root=True,
                         description="registration of %s" % namespace)
        if settings["resource_group_create"]:
            params = dict(name=self.group, location=self.location)
            if self.tags:
                params["tags"] = self.tags
            self.add("resource_group", "resource_group", params, root=True)

    # -- ids ----------------------------------------------------------------------------------------------
    @property
    def group_id(self):
        return "/subscriptions/%s/resourceGroups/%s" % (self.subscription, self.group)

    def id(self, resource_type, *names):
        """The id of a resource of ``resource_type`` (``NS/type[/child...]``) named ``names`` in the group."""
        parts = resource_type.split("/")
        namespace, types = parts[0], parts[1:]
        if len(types) != len(names):
            raise ValueError("%s needs %d name(s), got %d" % (resource_type, len(types), len(names)))
        path = "/".join("%s/%s" % pair for pair in zip(types, names))
        return "%s/providers/%s/%s" % (self.group_id, namespace, path)

    def subnet_id(self, key):
        for subnet in self.s["subnets"]:
            if subnet["key"] == key:
                return self.id("Microsoft.Network/virtualNetworks/subnets", self.names["virtual_network"],
                               subnet["name"])
        raise KeyError("no subnet %r in this configuration" % key)

    # -- entries ------------------------------------------------------------------------------------------
    def has(self, key):
        return key in self._keys

    def add(self, key, kind, params, depends_on=(), outputs=None, write_only=None, description=None,
            namespace=None, root=False):
        if key in self._keys:
            raise ValueError("duplicate resource key %r" % key)
        deps = [] if root else self.base_dependencies(namespace)
        deps += [d for d in depends_on if d and d not in deps]
        entry = dict(key=key, kind=kind, params=params, depends_on=deps)
        if outputs:
            entry["outputs"] = outputs
        if write_only:
            entry["write_only"] = write_only
        if description:
            entry["description"] = description
        self._keys[key] = entry
        self.nodes.append(entry)
        return entry

    def base_dependencies(self, namespace=None):
        deps = []
        if self.s["resource_group_create"]:
            deps.append("resource_group")
        if namespace and namespace in self.providers:
            deps.append(provider_key(namespace))
        return deps

    def arm(self, key, resource_type, names, body, api_version=None, depends_on=(), outputs=None, write_only=None,
            immutable=None, description=None, tags=True, location=True):
        """A resource through the generic engine; top-level resources get the location and tags."""
        if isinstance(names, str):
            names = (names,)
        resource_id = self.id(resource_type, *names)
        body = copy.deepcopy(body)
        top_level = len(names) == 1
        if top_level and location and "location" not in body:
            body["location"] = self.location
        if top_level and tags and self.tags and "tags" not in body:
            body["tags"] = dict(self.tags)
        params = dict(id=resource_id, api_version=api_version or api_for(resource_type), body=body)
        if immutable:
            params["immutable"] = list(immutable)
        namespace = resource_type.split("/", 1)[0]
        self.add(key, "arm_resource", params, depends_on, outputs, write_only, description, namespace=namespace)
        return resource_id

    def extension(self, key, scope_id, resource_type, name, body, api_version, depends_on=(), description=None):
        """An extension resource (diagnostic setting, DCR association) on ``scope_id``."""
        namespace, short = resource_type.split("/", 1)
        resource_id = "%s/providers/%s/%s/%s" % (scope_id, namespace, short, name)
        params = dict(id=resource_id, api_version=api_version, body=copy.deepcopy(body))
        self.add(key, "arm_resource", params, depends_on, description=description, namespace=namespace)
        return resource_id


def provider_key(namespace):
    return "provider_" + namespace.split(".", 1)[-1].lower()


def api_for(resource_type):
    best = None
    for prefix, version in API.items():
        if resource_type == prefix or resource_type.startswith(prefix + "/") or resource_type.startswith(prefix):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, version)
    if best is None:
        raise KeyError("no API version for %s" % resource_type)
    return best[1]
