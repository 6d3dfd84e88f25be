"""Client of the emulator's admin API, for an emulator running as a separate process.

Same method names as :class:`emulators.arm.ArmEmulator`, so tests can drive either.
"""

from __future__ import annotations

import json
import ssl
import urllib.parse
import urllib.request


class AdminClient:
    def __init__(self, url: str, ca_bundle: str | None = None):
        self.url = url if url.endswith("/") else url + "/"
        self._context = ssl.create_default_context(cafile=ca_bundle) if url.startswith("https") else None

    def _call(self, verb: str, action: str, data=None, **query):
        query = {k: v for k, v in query.items() if v is not None}
        address = self.url + "_admin/" + action + ("?" + urllib.parse.urlencode(query) if query else "")
        body = json.dumps(data).encode() if data is not None else None
        request = urllib.request.Request(address, data=body, method=verb, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, context=self._context, timeout=30) as response:
            return json.loads(response.read().decode())["result"]

    def requests(self, method=None, path=None):
        return self._call("GET", "requests", method=method, path=path)

    def clear_requests(self):
        return self._call("DELETE", "requests")

    def add_fault(self, **rule):
        return self._call("POST", "faults", rule)

    def faults(self):
        return self._call("GET", "faults")

    def clear_faults(self):
        return self._call("DELETE", "faults")

    def set_latency(self, **settings):
        return self._call("PUT", "latency", settings)

    def latency(self):
        return self._call("GET", "latency")

    def add_principal(self, principal_id, principal_type="User", delay=0.0):
        return self._call("POST", "principals", {"principal_id": principal_id, "principal_type": principal_type,
                                                 "delay": delay})

    def configure(self, **settings):
        return self._call("PUT", "settings", settings)

    def register_type(self, resource_type, api_versions, lro=None):
        return self._call("POST", "types", {"resource_type": resource_type, "api_versions": list(api_versions),
                                            "lro": lro})

    def settle(self):
        return self._call("POST", "settle", {})

    def pending_operations(self):
        return self._call("GET", "operations")

    def resources(self):
        return self._call("GET", "resources")

    def resource(self, resource_id):
        return self._call("GET", "resources", id=resource_id)

    def reset(self):
        return self._call("POST", "reset", {})
