# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over pure module_utils functions: their input errors become AnsibleFilterError with the same message."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools

from ansible.errors import AnsibleFilterError

from ansible_collections.azure_robotics.stack.plugins.module_utils.node_pools import NodePoolError


def raising_filter_errors(func, errors=(NodePoolError,)):
    """``func`` as a filter: ``errors`` (input problems, messages naming the variable) become AnsibleFilterError."""

    @functools.wraps(func)
    def filter_(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except errors as exc:
            raise AnsibleFilterError(str(exc))

    return filter_
