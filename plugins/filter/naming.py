# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters exposing the platform's naming convention (module_utils/naming.py) to templates."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.azure_robotics.stack.plugins.module_utils.naming import (
    NamingError,
    platform_names as _platform_names,
    resource_name as _resource_name,
)


def resource_name(kind, prefix, environment, instance, qualifier=None, suffix=None):
    try:
        return _resource_name(kind, prefix, environment, instance, qualifier=qualifier, suffix=suffix)
    except NamingError as exc:
        raise AnsibleFilterError(str(exc))


def platform_names(prefix, environment, instance, workspace_suffix=None, resource_group=None):
    try:
        return _platform_names(prefix, environment, instance, workspace_suffix=workspace_suffix,
                               resource_group=resource_group)
    except NamingError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    def filters(self):
        return {
            "resource_name": resource_name,
            "platform_names": platform_names,
        }
