# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``AzureModule``: the common options, validation, credentials and client factory every Azure module shares.

Layering (as in amazon.aws): modules hold the argument spec and docs and call
one function; this file wraps AnsibleModule; ``clients`` imports one SDK per
service, lazily; ``retry`` and ``errors`` are shared by all of them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.clients import build_client
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.clouds import CloudError, resolve_cloud
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.credentials import (
    AUTH_SOURCES,
    CredentialError,
    build_credential,
    validate_auth,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.errors import AzureModuleError, describe

AZURE_COMMON_ARGS = dict(
    auth_source=dict(type="str", default="auto", choices=list(AUTH_SOURCES),
                     fallback=(env_fallback, ["AZURE_AUTH_SOURCE"])),
    subscription_id=dict(type="str", fallback=(env_fallback, ["AZURE_SUBSCRIPTION_ID"])),
    tenant_id=dict(type="str", fallback=(env_fallback, ["AZURE_TENANT_ID"])),
    client_id=dict(type="str", fallback=(env_fallback, ["AZURE_CLIENT_ID"])),
    access_token=dict(type="str", no_log=True, fallback=(env_fallback, ["AZURE_ACCESS_TOKEN"])),
    federated_token_file=dict(type="path", fallback=(env_fallback, ["AZURE_FEDERATED_TOKEN_FILE"])),
    cloud=dict(type="str", default="public", fallback=(env_fallback, ["AZURE_CLOUD"])),
    ca_bundle=dict(type="path", fallback=(env_fallback, ["AZURE_CA_BUNDLE"])),
    api_retries=dict(type="int", default=8),
)

# Tags of resources that carry them (doc fragment azure_robotics.stack.azure.TAGS).
AZURE_TAG_ARGS = dict(
    tags=dict(type="dict"),
    purge_tags=dict(type="bool", default=False),
)

AZURE_WAIT_ARGS = dict(
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=1800),
)


class AzureModule:
    """Wraps AnsibleModule with Azure's common options.

    Validation of the common options happens in the constructor, so a bad
    ``auth_source``, ``cloud`` or ``wait_timeout`` fails before any request.
    """

    def __init__(self, argument_spec=None, wait_options=True, needs_subscription=True, **kwargs):
        spec = dict(AZURE_COMMON_ARGS)
        if wait_options:
            spec.update(AZURE_WAIT_ARGS)
        spec.update(argument_spec or {})
        kwargs.setdefault("supports_check_mode", True)
        self.module = AnsibleModule(argument_spec=spec, **kwargs)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self._credential = None
        self._clients = {}
        self.needs_subscription = needs_subscription
        self.cloud = self._validate_common()

    # -- validation ---------------------------------------------------------
    def _validate_common(self):
        p = self.params
        try:
            cloud = resolve_cloud(p["cloud"])
            validate_auth(p["auth_source"], p["tenant_id"], p["client_id"], p["access_token"],
                          p["federated_token_file"])
        except (CloudError, CredentialError) as exc:
            self.fail(str(exc))
        if "wait_timeout" in p and p.get("wait_timeout") is not None and p["wait_timeout"] <= 0:
            self.fail("wait_timeout must be a positive number of seconds, got %s" % p["wait_timeout"])
        if p["api_retries"] < 0:
            self.fail("api_retries must be >= 0, got %s" % p["api_retries"])
        if p.get("ca_bundle") and not os.path.isfile(p["ca_bundle"]):
            self.fail("ca_bundle=%s does not exist or is not a file" % p["ca_bundle"])
        if self.needs_subscription and not p["subscription_id"]:
            self.fail("subscription_id is required (or set AZURE_SUBSCRIPTION_ID)")
        return cloud

    # -- credentials and clients -------------------------------------------
    @property
    def credential(self):
        if self._credential is None:
            p = self.params
            self._credential, source = build_credential(
                p["auth_source"], self.cloud, tenant_id=p["tenant_id"], client_id=p["client_id"],
                access_token=p["access_token"], federated_token_file=p["federated_token_file"],
            )
            self.module.debug("azure_robotics.stack: credential source: %s, cloud: %s" % (source, self.cloud.name))
        return self._credential

    def client(self, service, **kwargs):
        """A management client for ``service`` (see ``clients.SERVICES``), built once and cached."""
        if service not in self._clients:
            self._clients[service] = build_client(
                service,
                credential=self.credential,
                subscription_id=self.params["subscription_id"],
                cloud=self.cloud,
                ca_bundle=self.params.get("ca_bundle"),
                retries=self.params["api_retries"],
                missing=self.missing_library,
                **kwargs
            )
        return self._clients[service]

    def missing_library(self, package, exc):
        from ansible.module_utils.basic import missing_required_lib

        self.module.fail_json(msg=missing_required_lib(package), exception=str(exc))

    # -- results ------------------------------------------------------------
    def warn(self, msg):
        self.module.warn(msg)

    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=msg, **kwargs)

    def fail_azure(self, exc, action, resource, **kwargs):
        """Fails with a message naming the resource, the ARM error code and a hint."""
        if isinstance(exc, AzureModuleError):
            kwargs.update(exc.details)
            self.fail(exc.message, **kwargs)
        self.fail(describe(exc, action, resource), error_code=getattr(getattr(exc, "error", None), "code", None),
                  **kwargs)

    def exit(self, **kwargs):
        self.module.exit_json(**kwargs)
