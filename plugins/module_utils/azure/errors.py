# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turns Azure SDK exceptions into messages that name the resource, the ARM error code and what to do."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.retry import error_code, error_status

# What a user can do about the most common ARM error codes.
HINTS = {
    "AuthorizationFailed": "grant the calling identity a role that allows this action on the scope "
                           "(e.g. Contributor), or pick another auth_source",
    "LinkedAuthorizationFailed": "the caller also needs permission on the linked resource named in the message",
    "ResourceGroupNotFound": "create the resource group first (azure_robotics.stack.resource_group) or fix its name",
    "SubscriptionNotFound": "check subscription_id and that the identity can see that subscription",
    "InvalidSubscriptionId": "check subscription_id",
    "InvalidApiVersionParameter": "the service does not accept this api-version in this cloud; "
                                  "upgrade the SDK or set api_version",
    "MissingSubscriptionRegistration": "register the resource provider named in the message "
                                       "(azure_robotics.stack.resource_provider) and retry",
    "InvalidParameter": "fix the parameter named in the message",
    "InvalidRequestContent": "the request body has an unexpected shape; check the options named in the message",
    "Conflict": "another operation is in progress on this resource; wait for it and rerun",
    "AnotherOperationInProgress": "another operation is in progress on this resource; wait for it and rerun",
    "PrincipalNotFound": "the principal was created moments ago and has not replicated yet; rerun in a minute",
    "RoleAssignmentExists": "a role assignment with another name already grants this role; "
                            "remove it or adopt its name",
    "QuotaExceeded": "request a quota increase for this region and VM family, or choose another size",
    "SkuNotAvailable": "this VM size is not offered in the region or zone; choose another size or region",
    "ResourceNotFound": "the resource does not exist; create it first or fix the name",
    "ParentResourceNotFound": "create the parent resource first or fix its name",
}

AUTH_HINT = ("no usable credential: log in with 'az login' (auth_source=cli), set AZURE_CLIENT_ID/AZURE_TENANT_ID "
             "and a secret or federated token (env, workload_identity), use a managed identity (msi), "
             "or pass access_token")


def error_message_text(exc):
    err = getattr(exc, "error", None)
    text = getattr(err, "message", None) or getattr(exc, "message", None) or str(exc)
    # azure-core prefixes "(Code) Message\nCode: ...\nMessage: ..."; keep the first line.
    return text.strip().splitlines()[0] if text else ""


def describe(exc, action, resource):
    """One sentence: what failed, on which resource, ARM's code and message, what to do."""
    kind = type(exc).__name__
    if kind in ("ClientAuthenticationError", "CredentialUnavailableError") and error_status(exc) in (None, 401):
        return "Failed to %s %s: authentication failed (%s): %s" % (action, resource, error_message_text(exc), AUTH_HINT)
    code = error_code(exc)
    status = error_status(exc)
    parts = ["Failed to %s %s" % (action, resource)]
    detail = []
    if code:
        detail.append(code)
    if status:
        detail.append("HTTP %s" % status)
    head = parts[0] + (" (%s)" % ", ".join(detail) if detail else "")
    message = error_message_text(exc)
    hint = HINTS.get(code or "")
    text = "%s: %s" % (head, message) if message else head
    if hint:
        text += " - %s" % hint
    return text


class AzureModuleError(Exception):
    """An error already phrased for the user (resource, field, what to do)."""

    def __init__(self, message, **details):
        super(AzureModuleError, self).__init__(message)
        self.message = message
        self.details = details
