# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module options <-> ARM JSON fields.

A ``FieldMap`` says where each option lands in the resource body. It builds the
desired body from the options the user set (unset options are not managed) and
names the option behind an ARM field path in messages ("cannot change vm_size").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.diff import Key, _pattern_matches


class Field:
    """``option`` (dotted for sub-options) is stored at ``path``, after ``convert``."""

    def __init__(self, option, path, convert=None, build=True):
        self.option = option
        self.path = tuple(path)
        self.convert = convert
        self.build = build  # False: only names the option in messages (the module builds the field itself)

    def value(self, params):
        node = params
        for part in self.option.split("."):
            if not isinstance(node, dict):
                return None
            node = node.get(part)
        if node is None:
            return None
        return self.convert(node) if self.convert else node


class FieldMap:
    def __init__(self, *fields):
        self.fields = list(fields)

    def desired(self, params, body=None):
        """The ARM body for the options that are set (a new dict, or ``body`` extended)."""
        body = {} if body is None else body
        for field in self.fields:
            if not field.build:
                continue
            value = field.value(params)
            if value is None:
                continue
            node = body
            for step in field.path[:-1]:
                node = node.setdefault(step, {})
            node[field.path[-1]] = value
        return body

    def option_for(self, path):
        """The option behind an ARM field path (the most specific one), or the path itself."""
        generic = tuple("*" if isinstance(step, (Key, int)) else step for step in path)
        best = None
        for field in self.fields:
            size = len(field.path)
            if size <= len(generic) and _pattern_matches(field.path, generic[:size]):
                if best is None or size > len(best.path):
                    best = field
        return best.option if best else None
