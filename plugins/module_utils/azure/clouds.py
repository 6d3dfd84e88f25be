# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure clouds: the three named clouds and custom (sovereign, Azure Stack, emulated) ARM endpoints.

Pure Python, no SDK import: resolving a cloud is part of input validation and
must fail before any client is built.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported by this collection
    from urlparse import urlsplit  # type: ignore


class CloudError(ValueError):
    """A cloud value that cannot be used; the message names the option."""


class Cloud:
    """Endpoints of one Azure cloud.

    ``arm`` always ends with ``/``. ``authority`` is the Entra ID host
    (azure-identity's ``authority``). ``audience`` is the ARM token audience;
    the credential scope is ``audience + '.default'``.
    """

    def __init__(self, name, arm, authority, audience, storage_suffix, custom=False):
        self.name = name
        self.arm = arm
        self.authority = authority
        self.audience = audience
        self.storage_suffix = storage_suffix
        self.custom = custom

    @property
    def scope(self):
        audience = self.audience if self.audience.endswith("/") else self.audience + "/"
        return audience + ".default"

    def as_dict(self):
        return {
            "name": self.name,
            "resource_manager": self.arm,
            "authority": self.authority,
            "audience": self.audience,
            "storage_suffix": self.storage_suffix,
            "custom": self.custom,
        }

    def __repr__(self):
        return "Cloud(%r, arm=%r)" % (self.name, self.arm)


NAMED_CLOUDS = {
    "public": Cloud(
        "public",
        "https://management.azure.com/",
        "login.microsoftonline.com",
        "https://management.azure.com/",
        "core.windows.net",
    ),
    "china": Cloud(
        "china",
        "https://management.chinacloudapi.cn/",
        "login.chinacloudapi.cn",
        "https://management.chinacloudapi.cn/",
        "core.chinacloudapi.cn",
    ),
    "usgov": Cloud(
        "usgov",
        "https://management.usgovcloudapi.net/",
        "login.microsoftonline.us",
        "https://management.usgovcloudapi.net/",
        "core.usgovcloudapi.net",
    ),
}

# Names the az CLI and azure.azcollection use for the same clouds.
ALIASES = {
    "azurecloud": "public",
    "azurechinacloud": "china",
    "azureusgovernment": "usgov",
}

_HOST = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


def custom_cloud(url, metadata=None, option="cloud"):
    """Builds a Cloud for a custom ARM endpoint URL.

    ``metadata`` is the parsed body of ``GET <arm>/metadata/endpoints`` when
    known (Azure Stack style); without it the ARM URL is its own audience and
    Entra ID is the public authority, which is what an emulator or a sovereign
    cloud front door needs with the ``access_token`` auth source.
    """
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise CloudError(
            "%s=%r is not a named cloud (public, china, usgov) nor an https:// ARM endpoint URL; "
            "ARM endpoints must use https (bearer tokens are never sent over plain http)" % (option, url)
        )
    host = parts.hostname or ""
    if not host or not (_HOST.match(host) or _IPV4.match(host)):
        raise CloudError("%s=%r has no valid host name" % (option, url))
    try:
        port = parts.port
    except ValueError:
        raise CloudError("%s=%r has an invalid port" % (option, url))
    if parts.query or parts.fragment:
        raise CloudError("%s=%r must not carry a query string or fragment" % (option, url))
    netloc = host if port is None else "%s:%d" % (host, port)
    arm = "https://%s%s/" % (netloc, parts.path.rstrip("/"))
    authority = NAMED_CLOUDS["public"].authority
    audience = arm
    storage_suffix = NAMED_CLOUDS["public"].storage_suffix
    if metadata:
        authority, audience, storage_suffix = _from_metadata(metadata, arm, authority, audience, storage_suffix)
    return Cloud(arm, arm, authority, audience, storage_suffix, custom=True)


def _from_metadata(metadata, arm, authority, audience, storage_suffix):
    if isinstance(metadata, (str, bytes)):
        metadata = json.loads(metadata)
    if isinstance(metadata, list):
        # api-version 2022-09-01: a list of clouds; take the one served by this endpoint.
        match = [m for m in metadata if (m.get("resourceManager") or "").rstrip("/") + "/" == arm]
        metadata = (match or metadata or [{}])[0]
    auth = metadata.get("authentication") or {}
    login = auth.get("loginEndpoint") or metadata.get("loginEndpoint")
    if login:
        authority = urlsplit(login).hostname or authority
    audiences = auth.get("audiences") or []
    if audiences:
        audience = audiences[-1]
    suffixes = metadata.get("suffixes") or {}
    storage_suffix = suffixes.get("storage") or storage_suffix
    return authority, audience, storage_suffix


def resolve_cloud(value, metadata=None, option="cloud"):
    """Returns the Cloud for a named cloud or a custom ARM endpoint URL."""
    if value is None or not str(value).strip():
        return NAMED_CLOUDS["public"]
    text = str(value).strip()
    key = ALIASES.get(text.lower(), text.lower())
    if key in NAMED_CLOUDS:
        return NAMED_CLOUDS[key]
    if "://" not in text:
        raise CloudError(
            "%s=%r is not a known cloud; use one of public, china, usgov or an https:// ARM endpoint URL"
            % (option, value)
        )
    return custom_cloud(text, metadata=metadata, option=option)
