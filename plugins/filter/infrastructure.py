# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the infrastructure tier: inventory settings (validated), the resource graph, the facts document."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure import platform
from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure.settings import (
    InventoryError,
    settings,
)


def platform_settings(variables):
    try:
        return settings(variables)
    except InventoryError as exc:
        raise AnsibleFilterError("The inventory has %d problem(s); nothing was sent to Azure:\n- %s"
                                 % (len(exc.problems), "\n- ".join(exc.problems)))


def _checked(value):
    if not isinstance(value, dict) or "names" not in value or "subnets" not in value:
        raise AnsibleFilterError("expected the output of azure_robotics.stack.platform_settings")
    return value


def platform_resources(value):
    return platform.resources(_checked(value))


def platform_secret_values(vpn_site_connections):
    return platform.secret_values(vpn_site_connections)


def platform_facts(value, applied=None):
    return platform.facts(_checked(value), applied)


class FilterModule(object):
    def filters(self):
        return {
            "platform_settings": platform_settings,
            "platform_resources": platform_resources,
            "platform_secret_values": platform_secret_values,
            "platform_facts": platform_facts,
        }
