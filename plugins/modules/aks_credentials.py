#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: aks_credentials
short_description: Get a kubeconfig or an Entra access token for an AKS cluster
version_added: 0.2.0
description:
  - Returns credentials for the Kubernetes API server of an AKS cluster, for M(kubernetes.core.k8s) and friends.
  - V(user) and V(admin) return the kubeconfig AKS issues (C(listClusterUserCredential) /
    C(listClusterAdminCredential)). On clusters with Entra ID the user kubeconfig runs C(kubelogin); use V(entra_token)
    to avoid that.
  - V(entra_token) acquires a Microsoft Entra token for the AKS server application with the module's own credential
    (O(auth_source), azure-identity; no C(kubelogin)) and returns it with a kubeconfig that carries it. Works with
    local accounts disabled.
  - The result holds secrets and is always hidden from output and logs, as with C(no_log=true); register it and
    pass its fields on. With O(dest) the kubeconfig is also written to a file readable only by its owner.
author:
  - azure_robotics.stack maintainers (@azure-robotics)
options:
  name:
    description: Name of the AKS cluster.
    type: str
    required: true
  resource_group:
    description: Resource group of the cluster.
    type: str
    required: true
  credential:
    description: Which credential to return.
    type: str
    choices: [user, admin, entra_token]
    default: entra_token
  server_id:
    description:
      - Application ID of the AKS API server in Entra ID (the same for every AKS cluster).
      - With O(credential=entra_token) the token is requested for the scope C(<server_id>/.default). The V(user) and
        V(admin) kubeconfigs are returned as AKS issues them.
    type: str
    default: 6dae42f8-4368-4678-94ff-3960e28e3630
  dest:
    description: Also write the kubeconfig to this file (mode 0600). The task reports a change when the file changes.
    type: path
extends_documentation_fragment:
  - azure_robotics.stack.azure
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Credentials are read (a read-only action on the cluster); O(dest) is not written.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
"""

EXAMPLES = r"""
- name: Token for the API server of a private, Entra-only cluster
  azure_robotics.stack.aks_credentials:
    name: aks-robotics-dev-001
    resource_group: rg-robotics-dev-001
  register: aks_access

- name: Use it with kubernetes.core
  kubernetes.core.k8s_info:
    host: "{{ aks_access.host }}"
    api_key: "{{ aks_access.token }}"
    ca_cert: "{{ aks_access.ca_cert_file }}"
    kind: Namespace
  no_log: true
"""

RETURN = r"""
kubeconfig:
  description: The kubeconfig (YAML); with V(entra_token) its user carries the token.
  returned: success
  type: str
host:
  description: URL of the API server.
  returned: success
  type: str
ca_cert:
  description: The cluster CA certificate (PEM).
  returned: success
  type: str
ca_cert_file:
  description: A file holding RV(ca_cert) (mode 0600), for clients that take a path.
  returned: success
  type: str
token:
  description: The Entra access token (with O(credential=entra_token)) or the static token of the kubeconfig, if any.
  returned: when the credential is a token
  type: str
expires_on:
  description: Expiry of the Entra token, seconds since the epoch.
  returned: with O(credential=entra_token)
  type: int
dest:
  description: Where the kubeconfig was written.
  returned: when O(dest) is set
  type: str
"""

import base64
import hashlib
import os
import tempfile

from ansible.module_utils.basic import remove_values

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.common import AzureModule
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.names import name_problem, resource_id
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.sdk import to_rest

AKS_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"


def load_kubeconfig(text):
    import yaml

    config = yaml.safe_load(text)
    if not isinstance(config, dict) or not config.get("clusters"):
        raise ValueError("the kubeconfig has no cluster")
    return config


def token_kubeconfig(config, token):
    """The cluster part of ``config`` with a user that carries ``token`` (no exec plugin)."""
    import yaml

    cluster = config["clusters"][0]
    context = "%s-entra" % cluster["name"]
    built = {
        "apiVersion": "v1", "kind": "Config", "preferences": {}, "current-context": context,
        "clusters": [cluster],
        "contexts": [{"name": context, "context": {"cluster": cluster["name"], "user": "entra-token"}}],
        "users": [{"name": "entra-token", "user": {"token": token}}],
    }
    return yaml.safe_dump(built, default_flow_style=False, sort_keys=False)


def write_private(path, text):
    """Writes ``text`` to ``path`` with mode 0600; returns whether the content changed."""
    try:
        with open(path) as handle:
            if handle.read() == text:
                os.chmod(path, 0o600)
                return False
    except (IOError, OSError):
        pass
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o700)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".kubeconfig-")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.chmod(temporary, 0o600)
        os.rename(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return True


def main():
    azure = AzureModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            resource_group=dict(type="str", required=True),
            credential=dict(type="str", default="entra_token", choices=["user", "admin", "entra_token"]),
            server_id=dict(type="str", default=AKS_SERVER_APP_ID),
            dest=dict(type="path"),
        ),
        wait_options=False,
    )
    p = azure.params
    problem = name_problem("managed cluster", p["name"])
    if problem:
        azure.fail("name=%r is not a valid AKS cluster name: use %s" % (p["name"], problem))
    group, name = p["resource_group"], p["name"]
    cluster_id = resource_id(p["subscription_id"], group, "Microsoft.ContainerService", "managedClusters", name)
    client = azure.client("containerservice")
    kind = p["credential"]
    try:
        if kind == "admin":
            listing = client.managed_clusters.list_cluster_admin_credentials(group, name)
        else:
            listing = client.managed_clusters.list_cluster_user_credentials(group, name)
    except Exception as exc:  # e.g. local accounts disabled, no access
        azure.fail_azure(exc, "get %s credentials of" % ("admin" if kind == "admin" else "user"),
                         "managed cluster '%s'" % cluster_id)
    kubeconfigs = (to_rest(listing) or {}).get("kubeconfigs") or []
    if not kubeconfigs:
        azure.fail("managed cluster '%s' returned no kubeconfig" % cluster_id)
    text = base64.b64decode(kubeconfigs[0]["value"]).decode("utf-8")
    try:
        config = load_kubeconfig(text)
    except ValueError as exc:
        azure.fail("the kubeconfig of managed cluster '%s' cannot be read: %s" % (cluster_id, exc))
    result = dict(changed=False)
    if kind == "entra_token":
        try:
            token = azure.credential.get_token("%s/.default" % p["server_id"])
        except Exception as exc:  # credential problems are explained by fail_azure
            azure.fail_azure(exc, "get an Entra token for the API server of", "managed cluster '%s'" % cluster_id)
        text = token_kubeconfig(config, token.token)
        result.update(token=token.token, expires_on=token.expires_on)
        if token.token in azure.module.no_log_values:
            # The token is the result (hidden by the action plugin); the module arguments stay masked.
            result["invocation"] = dict(module_args=remove_values(dict(p), azure.module.no_log_values))
            azure.module.no_log_values.discard(token.token)
    else:
        user = (config.get("users") or [{}])[0].get("user") or {}
        if user.get("token"):
            result["token"] = user["token"]
    cluster = config["clusters"][0]["cluster"]
    ca = base64.b64decode(cluster.get("certificate-authority-data") or "").decode("utf-8")
    result.update(kubeconfig=text, host=cluster.get("server"), ca_cert=ca)
    # One file per CA (named by its hash), so reruns reuse it instead of leaving copies behind.
    ca_file = os.path.join(tempfile.gettempdir(), "aks-ca-%s.pem" % hashlib.sha256(ca.encode()).hexdigest()[:16])
    write_private(ca_file, ca)
    result["ca_cert_file"] = ca_file
    if p["dest"]:
        result["dest"] = p["dest"]
        if not azure.check_mode:
            result["changed"] = write_private(p["dest"], text)
    azure.exit(**result)


if __name__ == "__main__":
    main()
