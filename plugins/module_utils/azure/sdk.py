# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Between azure-mgmt SDK models and ARM JSON.

The engine works on ARM's JSON (the shape ARM documents, ``az`` prints and
``arm_resource`` takes). Requests still go through the SDK's own models so the
SDK serialises them (and drops read-only fields) as it does for any caller.
Two model generations exist: msrest (``_attribute_map``, most packages) and the
TypeSpec model base (a mapping with REST keys, e.g. azure-mgmt-containerservice
>= 40); both are handled.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json


def to_rest(model):
    """ARM JSON of an SDK model (read-only fields included)."""
    if model is None:
        return None
    if hasattr(model, "_attribute_map") and hasattr(model, "serialize"):
        return json.loads(json.dumps(model.serialize(keep_readonly=True), default=str))
    if hasattr(model, "as_dict"):
        return json.loads(json.dumps(model.as_dict(), default=str))
    if isinstance(model, (dict, list)):
        return model
    raise TypeError("cannot convert %r to ARM JSON" % type(model).__name__)


def to_model(model_class, body):
    """An SDK model built from ARM JSON."""
    if hasattr(model_class, "_attribute_map") and hasattr(model_class, "deserialize"):
        return model_class.deserialize(body)
    return model_class(body)


def is_not_found(exc):
    return type(exc).__name__ == "ResourceNotFoundError" or getattr(exc, "status_code", None) == 404


def is_poller(value):
    return hasattr(value, "polling_method") and hasattr(value, "result")
