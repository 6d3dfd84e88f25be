# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lazy, per-service Azure management clients.

A module imports only the SDK of the service it manages, and only when it
builds the client: azure.azcollection's eager import of ~50 SDKs costs ~1.7 s
per task, ours costs one package.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.retry import arm_retry_policy

# service -> (pip package, [(module path, class name), ...] tried in order).
SERVICES = {
    "resource": ("azure-mgmt-resource", [
        # azure-mgmt-resource >= 26 moved the client; older releases export it at the top.
        ("azure.mgmt.resource.resources", "ResourceManagementClient"),
        ("azure.mgmt.resource", "ResourceManagementClient"),
    ]),
    "containerservice": ("azure-mgmt-containerservice", [
        ("azure.mgmt.containerservice", "ContainerServiceClient"),
    ]),
    "msi": ("azure-mgmt-msi", [
        ("azure.mgmt.msi", "ManagedServiceIdentityClient"),
    ]),
    "authorization": ("azure-mgmt-authorization", [
        ("azure.mgmt.authorization", "AuthorizationManagementClient"),
    ]),
    "kubernetesconfiguration": ("azure-mgmt-kubernetesconfiguration", [
        ("azure.mgmt.kubernetesconfiguration", "SourceControlConfigurationClient"),
    ]),
}

USER_AGENT = "azure_robotics.stack"


def import_client_class(service):
    """Returns ``(package, class)``; raises ImportError naming the package when it is missing."""
    if service not in SERVICES:
        raise KeyError("unknown Azure service %r; known: %s" % (service, ", ".join(sorted(SERVICES))))
    package, candidates = SERVICES[service]
    last = None
    for path, name in candidates:
        try:
            return package, getattr(importlib.import_module(path), name)
        except (ImportError, AttributeError) as exc:
            last = exc
    raise ImportError("%s: %s" % (package, last))


def build_client(service, credential, subscription_id, cloud, ca_bundle=None, retries=8, missing=None,
                 **kwargs):
    """Builds the management client for ``service`` against ``cloud``'s ARM endpoint."""
    try:
        package, cls = import_client_class(service)
    except ImportError as exc:
        if missing is None:
            raise
        missing(SERVICES[service][0], exc)
        raise
    options = dict(
        base_url=cloud.arm,
        credential_scopes=[cloud.scope],
        retry_policy=arm_retry_policy(retries=retries),
        user_agent=USER_AGENT,
    )
    if ca_bundle:
        options["connection_verify"] = ca_bundle
    options.update(kwargs)
    return cls(credential, subscription_id, **options)
