# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the cluster roles' inputs that are not about node pools: chart versions and checksums, names.

Every function raises ``InputError`` with a message that starts with the variable's name, so that a role fails
before its first request to a cluster and says what to change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.azure_robotics.stack.plugins.module_utils.node_pools import NodePoolError

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.-]+)?$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


class InputError(NodePoolError):
    """A role variable is wrong; the message names the variable. A NodePoolError, so filters report both alike."""


def chart_checksum(value, require, variable, require_variable=None):
    """The expected SHA-256 of a chart archive (lowercase hex) or None; a missing one fails when ``require``."""
    if value in (None, ""):
        if require:
            raise InputError("%s is required (the SHA-256 of the chart archive, 64 hex digits) because %s is true; "
                             "get it with 'helm pull <chart> --version <version>' and 'sha256sum'"
                             % (variable, require_variable or "require_checksum"))
        return None
    text = str(value).strip().lower()
    if text.startswith("sha256:"):
        text = text[len("sha256:"):]
    if not _SHA256.match(text):
        raise InputError("%s must be a SHA-256 digest (64 hex digits), got %r" % (variable, value))
    return text


def semver(value, variable, leading_v=None):
    """(major, minor, patch) of a chart or image version; ``leading_v`` True/False requires or forbids the 'v'."""
    text = str(value or "")
    match = _SEMVER.match(text)
    if not match:
        raise InputError("%s must be a pinned version such as %s1.2.3, got %r"
                         % (variable, "v" if leading_v else "", value))
    if leading_v is True and not text.startswith("v"):
        raise InputError("%s must start with 'v' (the chart's versions are git tags, e.g. v%s), got %r"
                         % (variable, text, value))
    if leading_v is False and text.startswith("v"):
        raise InputError("%s must not start with 'v' (e.g. %s), got %r" % (variable, text[1:], value))
    return tuple(int(part) for part in match.groups())


def namespace(value, variable):
    if not isinstance(value, str) or len(value) > 63 or not _DNS_LABEL.match(value):
        raise InputError("%s must be a Kubernetes namespace name (lowercase letters, digits and '-', at most 63), "
                         "got %r" % (variable, value))
    return value


def required(value, variable, what):
    """``value`` unless it is empty; the message says what the variable is and where it usually comes from."""
    if value in (None, "") or value == {} or value == []:
        raise InputError("%s is required: %s" % (variable, what))
    return value
