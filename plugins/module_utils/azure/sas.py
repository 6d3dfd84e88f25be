# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Container SAS tokens: expiry parsing and validation (pure), and generation with azure-storage-blob."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

# A user delegation key, hence a user delegation SAS, is valid for at most seven days.
MAX_DELEGATION = datetime.timedelta(days=7)
_DURATION = re.compile(r"^([0-9]+)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
_PERMISSIONS = re.compile(r"^[racwdxltmeopi]+$")


class SasError(ValueError):
    """Bad SAS input; the message names the option."""


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def parse_expiry(value, now=None, option="expiry"):
    """A duration ('30m', '48h', '2d') from now, or an ISO 8601 UTC time; must lie in the future."""
    now = now or utcnow()
    text = str(value or "").strip()
    match = _DURATION.match(text)
    if match:
        expiry = now + datetime.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    else:
        try:
            expiry = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise SasError("%s must be a duration such as 48h or 2d, or a UTC time such as 2026-12-01T00:00:00Z, "
                           "got %r" % (option, value))
        if expiry.tzinfo is None:
            raise SasError("%s %r has no time zone; write it in UTC with a trailing Z" % (option, text))
    if expiry <= now:
        raise SasError("%s %s is in the past (now %s): a SAS must expire in the future"
                       % (option, expiry.strftime("%Y-%m-%dT%H:%M:%SZ"), now.strftime("%Y-%m-%dT%H:%M:%SZ")))
    return expiry.astimezone(datetime.timezone.utc).replace(microsecond=0)


def validate(permissions, expiry, auth_mode, now=None):
    if not _PERMISSIONS.match(permissions or ""):
        raise SasError("permissions must be letters of racwdxltmeopi (for example rl or racwdl), got %r"
                       % (permissions,))
    when = parse_expiry(expiry, now)
    if auth_mode == "user_delegation" and when - (now or utcnow()) > MAX_DELEGATION:
        raise SasError("expiry %s is more than 7 days away: a user delegation SAS lasts at most 7 days"
                       % when.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return when


def container_sas(account_url, account_name, container, permissions, expiry, auth_mode, credential=None,
                  account_key=None, https_only=True, connection_verify=None):
    """Generates the token. ``user_delegation`` asks Entra-authenticated storage for a delegation key (no keys)."""
    from azure.storage.blob import BlobServiceClient, ContainerSasPermissions, generate_container_sas

    start = utcnow() - datetime.timedelta(minutes=5)   # tolerate clock skew on the storage side
    options = {"protocol": "https"} if https_only else {}
    sas_permissions = ContainerSasPermissions.from_string(permissions)
    if auth_mode == "account_key":
        return generate_container_sas(account_name, container, account_key=account_key, permission=sas_permissions,
                                      expiry=expiry, start=start, **options)
    client_options = {"connection_verify": connection_verify} if connection_verify else {}
    service = BlobServiceClient(account_url, credential=credential, **client_options)
    key = service.get_user_delegation_key(start, expiry)
    return generate_container_sas(account_name, container, user_delegation_key=key, permission=sas_permissions,
                                  expiry=expiry, start=start, **options)
