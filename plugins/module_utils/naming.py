# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource names of the platform, derived from (resource_prefix, environment, instance).

Convention (as the reference architecture): ``<type>-<prefix>-<env>-<instance>``
for resources that allow hyphens, ``<type><prefix><env><instance>`` for those
that allow only letters and digits (Key Vault is kept alphanumeric too, so the
names match the reference's). Every name is checked against Azure's rules
here, so a too-long or invalid name fails before any request, naming the input
variable that made it so.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re


class NamingError(ValueError):
    pass


# kind -> (abbreviation, alphanumeric-only, max length, pattern the full name must match, what Azure allows)
KINDS = {
    "resource_group": ("rg", False, 90, r"^[-\w._()]+[^.]$", "letters, digits, '-', '_', '.', '(' and ')', not ending in '.'"),
    "virtual_network": ("vnet", False, 64, r"^[A-Za-z0-9][-\w.]*\w$", "letters, digits, '-', '_' and '.'"),
    "subnet": ("snet", False, 80, r"^[A-Za-z0-9][-\w.]*\w$", "letters, digits, '-', '_' and '.'"),
    "network_security_group": ("nsg", False, 80, r"^[A-Za-z0-9][-\w.]*\w$", "letters, digits, '-', '_' and '.'"),
    "nat_gateway": ("ng", False, 80, r"^[A-Za-z0-9][-\w.]*\w$", "letters, digits, '-', '_' and '.'"),
    "public_ip": ("pip", False, 80, r"^[A-Za-z0-9][-\w.]*\w$", "letters, digits, '-', '_' and '.'"),
    "dns_resolver": ("dnspr", False, 80, r"^[A-Za-z0-9][-\w]*\w$", "letters, digits, '-' and '_'"),
    "log_analytics": ("log", False, 63, r"^[A-Za-z0-9][-A-Za-z0-9]*[A-Za-z0-9]$", "letters, digits and '-'"),
    "application_insights": ("ai", False, 255, r"^[^%&\\?/]+$", "any character except % & \\ ? /"),
    "monitor_workspace": ("azmon", False, 44, r"^[A-Za-z0-9][-A-Za-z0-9_]*[A-Za-z0-9]$", "letters, digits, '-' and '_'"),
    "grafana": ("graf", False, 23, r"^[A-Za-z][-A-Za-z0-9]*[A-Za-z0-9]$", "letters, digits and '-', starting with a letter"),
    "data_collection_endpoint": ("dce", False, 44, r"^[A-Za-z0-9][-A-Za-z0-9_]*[A-Za-z0-9]$", "letters, digits, '-' and '_'"),
    "private_link_scope": ("ampls", False, 255, r"^[-\w.()]+$", "letters, digits, '-', '_', '.', '(' and ')'"),
    "postgresql": ("psql", False, 63, r"^[a-z0-9][-a-z0-9]*[a-z0-9]$", "lowercase letters, digits and '-'"),
    "redis": ("redis", False, 60, r"^[A-Za-z0-9][-A-Za-z0-9]*[A-Za-z0-9]$", "letters, digits and '-'"),
    "machine_learning_workspace": ("mlw", False, 33, r"^[A-Za-z0-9][-\w]*$", "letters, digits, '-' and '_'"),
    "user_assigned_identity": ("id", False, 128, r"^[A-Za-z0-9][-\w]*$", "letters, digits, '-' and '_'"),
    "kubernetes_cluster": ("aks", False, 63, r"^[A-Za-z0-9][-\w]*[A-Za-z0-9]$", "letters, digits, '-' and '_'"),
    "private_endpoint": ("pe", False, 80, r"^[A-Za-z0-9][-\w.]*\w$", "letters, digits, '-', '_' and '.'"),
    "vpn_gateway": ("vgw", False, 80, r"^[A-Za-z0-9][-\w.]*\w$", "letters, digits, '-', '_' and '.'"),
    "automation_account": ("aa", False, 50, r"^[A-Za-z][-A-Za-z0-9]*[A-Za-z0-9]$", "letters, digits and '-', starting with a letter"),
    "key_vault": ("kv", True, 24, r"^[A-Za-z][A-Za-z0-9]*$", "letters and digits, starting with a letter"),
    "container_registry": ("acr", True, 50, r"^[A-Za-z0-9]+$", "letters and digits"),
    "storage_account": ("st", True, 24, r"^[a-z0-9]+$", "lowercase letters and digits"),
    "data_lake_storage": ("stdl", True, 24, r"^[a-z0-9]+$", "lowercase letters and digits"),
}

MIN_LENGTH = {"key_vault": 3, "container_registry": 5, "storage_account": 3, "data_lake_storage": 3, "grafana": 2}

_PART = re.compile(r"^[a-z0-9]+$")
_INSTANCE = re.compile(r"^[a-z0-9]+$")


def check_parts(prefix, environment, instance):
    """The three inputs are short lowercase alphanumerics (they end up in storage account names)."""
    for var, value in (("resource_prefix", prefix), ("environment_name", environment), ("instance", instance)):
        if value is None or str(value) == "":
            raise NamingError("%s is required" % var)
        if not _PART.match(str(value)):
            raise NamingError(
                "%s=%r must be lowercase letters and digits only (it is part of storage account names)" % (var, value)
            )


def resource_name(kind, prefix, environment, instance, qualifier=None, suffix=None):
    """The name of one resource.

    ``qualifier`` goes between the abbreviation and the prefix (``id-ml-…``,
    ``snet-aks-gpu-…``, ``pe-kv-…``); ``suffix`` is appended (the AzureML
    workspace suffix that avoids soft-delete name clashes).
    """
    if kind not in KINDS:
        raise NamingError("unknown resource kind %r; known: %s" % (kind, ", ".join(sorted(KINDS))))
    check_parts(prefix, environment, instance)
    abbreviation, alphanumeric, max_length, pattern, allowed = KINDS[kind]
    parts = [abbreviation] + ([str(qualifier)] if qualifier else []) + [str(prefix), str(environment), str(instance)]
    if suffix:
        parts.append(str(suffix))
    name = ("" if alphanumeric else "-").join(parts)
    if alphanumeric:
        name = re.sub(r"[^A-Za-z0-9]", "", name)
    if kind in ("storage_account", "data_lake_storage", "container_registry", "key_vault"):
        name = name.lower()
    if len(name) > max_length or len(name) < MIN_LENGTH.get(kind, 1):
        raise NamingError(
            "%s name %r is %d characters; Azure allows %d to %d. Shorten resource_prefix, environment_name or instance"
            % (kind.replace("_", " "), name, len(name), MIN_LENGTH.get(kind, 1), max_length)
        )
    if not re.match(pattern, name):
        raise NamingError("%s name %r is invalid: Azure allows %s" % (kind.replace("_", " "), name, allowed))
    return name


# The names the platform uses: key -> (kind, qualifier).
PLATFORM = {
    "resource_group": ("resource_group", None),
    "virtual_network": ("virtual_network", None),
    "network_security_group": ("network_security_group", None),
    "nat_gateway": ("nat_gateway", None),
    "nat_public_ip": ("public_ip", "ng"),
    "dns_resolver": ("dns_resolver", None),
    "log_analytics": ("log_analytics", None),
    "application_insights": ("application_insights", None),
    "monitor_workspace": ("monitor_workspace", None),
    "grafana": ("grafana", None),
    "data_collection_endpoint": ("data_collection_endpoint", None),
    "private_link_scope": ("private_link_scope", None),
    "postgresql": ("postgresql", None),
    "redis": ("redis", None),
    "ml_identity": ("user_assigned_identity", "ml"),
    "osmo_identity": ("user_assigned_identity", "osmo"),
    "aks_identity": ("user_assigned_identity", "aks"),
    "aks": ("kubernetes_cluster", None),
    "key_vault": ("key_vault", None),
    "container_registry": ("container_registry", None),
    "storage_account": ("storage_account", None),
    "data_lake_storage": ("data_lake_storage", None),
    "vpn_gateway": ("vpn_gateway", None),
    "automation_account": ("automation_account", None),
}


def platform_names(prefix, environment, instance, workspace_suffix=None, resource_group=None):
    """Every name of the platform, as one dict (the document the roles read)."""
    names = dict(
        (key, resource_name(kind, prefix, environment, instance, qualifier))
        for key, (kind, qualifier) in PLATFORM.items()
    )
    names["machine_learning_workspace"] = resource_name(
        "machine_learning_workspace", prefix, environment, instance, suffix=workspace_suffix
    )
    if resource_group:
        names["resource_group"] = resource_group
    names["suffix"] = "%s-%s-%s" % (prefix, environment, instance)
    return names
