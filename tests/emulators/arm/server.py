"""HTTPS front of the ARM emulator: request log, fault injection, admin API, ``/metadata/endpoints``.

Runs in a thread (pytest fixture) or as a process (``python -m emulators.arm``). One thread per connection
(``ThreadingHTTPServer``); the state has one lock, so concurrent clients see a consistent ARM.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
import struct
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .service import ArmService, Response
from .specs import default_specs_root, load_index
from .state import DEFAULT_STATUS_CODES, INSTANT_LATENCY, ArmError, EmulatorState

DEFAULT_SUBSCRIPTION = "6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f"
DEFAULT_TENANT = "8a0b6c1d-2e3f-4a5b-9c6d-7e8f9a0b1c2d"
ADMIN_PREFIX = "/_admin/"


class ArmEmulator:
    """An ARM endpoint on loopback. ``start()`` serves in a thread; the admin methods drive it."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, ssl_context: ssl.SSLContext | None = None,
                 specs_root: str | None = None, subscriptions=(DEFAULT_SUBSCRIPTION,), tenant_id: str = DEFAULT_TENANT,
                 latency_default: float = INSTANT_LATENCY, latency_types: dict | None = None,
                 latency_profile: str | None = None, unregistered_providers=(), allow_unknown_types: bool = False,
                 principal_replication_delay: float = 0.0, require_token: str | None = None):
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self.tenant_id = tenant_id
        self.subscription_id = subscriptions[0]
        self.require_token = require_token
        if specs_root is None:
            specs_root = default_specs_root()
        self.state = EmulatorState(load_index(specs_root), tenant_id, latency_default=latency_default,
                                   latency_types=latency_types, unregistered_providers=unregistered_providers,
                                   allow_unknown_types=allow_unknown_types,
                                   principal_replication_delay=principal_replication_delay)
        if latency_profile:
            self.state.set_latency(profile=latency_profile)
            if latency_types:
                self.state.set_latency(types=latency_types)
        self.service = ArmService(self.state, subscriptions, base_url=lambda: self.url)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        return "%s://%s:%d/" % (scheme, self.host, self.port)

    def bind(self):
        emulator = self

        class Handler(_Handler):
            pass

        Handler.emulator = emulator
        server = _Server((self.host, self.port), Handler)
        if self.ssl_context is not None:
            server.socket = self.ssl_context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        self.port = server.server_address[1]
        self._server = server
        return self

    def start(self) -> "ArmEmulator":
        if self._server is None:
            self.bind()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="arm-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- admin API (same names over HTTP: see AdminClient) --------------------------------------------
    def requests(self, method: str | None = None, path: str | None = None) -> list[dict]:
        return self.state.requests(method, path)

    def clear_requests(self):
        self.state.clear_requests()

    def add_fault(self, **rule) -> dict:
        return self.state.add_fault(**rule)

    def clear_faults(self):
        self.state.clear_faults()

    def faults(self) -> list[dict]:
        with self.state.lock:
            return [f.as_dict() for f in self.state.faults]

    def set_latency(self, types: dict | None = None, default: float | None = None, profile: str | None = None,
                    scale: float | None = None):
        self.state.set_latency(types=types, default=default, profile=profile, scale=scale)
        return self.state.latency()

    def latency(self) -> dict:
        return self.state.latency()

    def add_principal(self, principal_id: str, principal_type: str = "User", delay: float | None = 0.0):
        with self.state.lock:
            self.state.add_principal(principal_id, principal_type, delay=delay)

    def configure(self, **settings):
        with self.state.lock:
            for key, value in settings.items():
                if key == "principal_replication_delay":
                    self.state.principal_replication_delay = float(value)
                elif key == "allow_unknown_types":
                    self.state.allow_unknown_types = bool(value)
                elif key == "unregistered_providers":
                    for namespace in value:
                        self.state.providers[namespace.lower()] = "NotRegistered"
                elif key == "require_token":
                    self.require_token = value
                else:
                    raise ValueError("unknown setting %r" % key)

    def register_type(self, resource_type: str, api_versions, lro: bool | None = None):
        with self.state.lock:
            self.state.extra_types[resource_type.lower()] = {"api_versions": list(api_versions), "lro": lro}
            self.state.specs.casing.setdefault(resource_type.lower(), resource_type)

    def settle(self):
        """Finishes every long-running operation now."""
        with self.state.lock:
            self.state.settle(force=True)

    def pending_operations(self) -> list[dict]:
        return self.state.pending_operations()

    def resources(self) -> list[dict]:
        with self.state.lock:
            self.state.settle()
            return [json.loads(json.dumps(r.body)) for r in self.state.resources.values()]

    def resource(self, resource_id: str) -> dict | None:
        with self.state.lock:
            self.state.settle()
            record = self.state.get(resource_id)
            return json.loads(json.dumps(record.body)) if record else None

    def reset(self):
        self.state.reset()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def handle_error(self, request, client_address):  # connection resets are part of the game
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ARM-emulator/1.0"
    emulator: ArmEmulator = None

    def log_message(self, format, *args):  # the request log is the emulator's own
        return

    def do_GET(self):
        self.dispatch("GET")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_POST(self):
        self.dispatch("POST")

    def do_HEAD(self):
        self.dispatch("HEAD")

    # -- plumbing ----------------------------------------------------------------------------------------
    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, response: Response, request_id: str | None = None):
        payload = b""
        if response.body is not None:
            payload = json.dumps(response.body).encode("utf-8")
        self.send_response(response.status)
        headers = {"Content-Type": "application/json; charset=utf-8", "Content-Length": str(len(payload)),
                   "x-ms-request-id": request_id or str(uuid.uuid4()),
                   "x-ms-correlation-request-id": request_id or str(uuid.uuid4())}
        headers.update(response.headers or {})
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)

    def reset_connection(self):
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:
            self.connection.close()
        except OSError:
            pass

    def dispatch(self, method: str):
        emulator = self.emulator
        split = urlsplit(self.path)
        path = split.path
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        raw = self.read_body()
        if path.startswith(ADMIN_PREFIX):
            return self.admin(method, path[len(ADMIN_PREFIX):], query, raw)
        if path.rstrip("/") == "/metadata/endpoints":
            return self.send(Response(200, metadata(emulator)))
        entry = {
            "time": time.time(), "method": method, "path": path, "query": query,
            "api_version": query.get("api-version"), "body": _json_or_text(raw), "status": None,
            "client_request_id": self.headers.get("x-ms-client-request-id"),
        }
        emulator.state.record_request(entry)
        request_id = str(uuid.uuid4())
        fault = emulator.state.take_fault(method, path, kinds=("status", "reset", "delay", "authorization_failed"))
        if fault is not None:
            entry["fault"] = fault.kind
            if fault.kind == "delay":
                time.sleep(fault.seconds)
            elif fault.kind == "reset":
                entry["status"] = "reset"
                return self.reset_connection()
            elif fault.kind == "authorization_failed":
                error = ArmError(403, "AuthorizationFailed",
                                 "The client 'emulator@azure-robotics.invalid' with object id '%s' does not have "
                                 "authorization to perform action '%s' over scope '%s' or the scope is invalid. If "
                                 "access was recently granted, please refresh your credentials."
                                 % (DEFAULT_TENANT, _action_name(method, path), path.split("?")[0]))
                entry["status"] = 403
                return self.send(Response(403, error.body()), request_id)
            else:
                code, message = DEFAULT_STATUS_CODES.get(fault.status, ("InternalServerError", "Injected failure."))
                if "%s" in message:
                    message = message % time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                headers = {}
                if fault.retry_after is not None:
                    headers["Retry-After"] = str(int(fault.retry_after)) if float(fault.retry_after).is_integer() \
                        else str(fault.retry_after)
                body = {"error": {"code": fault.code or code, "message": fault.message or message}}
                entry["status"] = fault.status
                return self.send(Response(fault.status, body, headers), request_id)
        token_error = self.check_token()
        if token_error is not None:
            entry["status"] = token_error.status
            return self.send(Response(token_error.status, token_error.body(), token_error.headers), request_id)
        try:
            response = emulator.service.handle(method, path, query, {k.lower(): v for k, v in self.headers.items()}, raw)
        except ArmError as error:
            response = Response(error.status, error.body(), error.headers)
        except Exception as exc:  # a bug in the emulator must look like a server error, not a hang
            response = Response(500, {"error": {"code": "InternalServerError", "message": "emulator bug: %r" % exc}})
        entry["status"] = response.status
        entry["latency"] = _operation_latency(emulator.state, response)
        self.send(response, request_id)

    def check_token(self):
        header = self.headers.get("Authorization") or ""
        if not header.lower().startswith("bearer ") or not header[7:].strip():
            return ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.",
                            headers={"WWW-Authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/'
                                                         '%s", error="invalid_token"' % DEFAULT_TENANT})
        wanted = self.emulator.require_token
        if wanted and header[7:].strip() != wanted:
            return ArmError(401, "InvalidAuthenticationToken", "The access token is invalid.")
        return None

    # -- admin API --------------------------------------------------------------------------------------------
    def admin(self, method: str, action: str, query: dict, raw: bytes):
        emulator = self.emulator
        try:
            data = json.loads(raw.decode()) if raw else {}
            action = action.strip("/")
            if action == "requests" and method == "GET":
                result = emulator.requests(query.get("method"), query.get("path"))
            elif action == "requests" and method == "DELETE":
                result = emulator.clear_requests()
            elif action == "faults" and method == "POST":
                result = emulator.add_fault(**data)
            elif action == "faults" and method == "GET":
                result = emulator.faults()
            elif action == "faults" and method == "DELETE":
                result = emulator.clear_faults()
            elif action == "latency" and method == "GET":
                result = emulator.latency()
            elif action == "latency" and method in ("PUT", "POST"):
                result = emulator.set_latency(**data)
            elif action == "principals" and method == "POST":
                result = emulator.add_principal(**data)
            elif action == "settings" and method in ("PUT", "POST"):
                result = emulator.configure(**data)
            elif action == "types" and method == "POST":
                result = emulator.register_type(**data)
            elif action == "settle" and method == "POST":
                result = emulator.settle()
            elif action == "operations" and method == "GET":
                result = emulator.pending_operations()
            elif action == "resources" and method == "GET":
                result = emulator.resource(query["id"]) if "id" in query else emulator.resources()
            elif action == "reset" and method == "POST":
                result = emulator.reset()
            else:
                return self.send(Response(404, {"error": "unknown admin call %s %s" % (method, action)}))
        except (TypeError, ValueError, KeyError) as exc:
            return self.send(Response(400, {"error": str(exc)}))
        self.send(Response(200, {"result": result}))


def _operation_latency(state, response):
    """Seconds the long-running operation this response started will take (None when it started none)."""
    location = (getattr(response, "headers", None) or {}).get("Location") or ""
    match = re.search(r"/operationresults/([^/?]+)", location)
    if not match:
        return None
    with state.lock:
        op = state.operations.get(match.group(1))
        return round(op.due - op.started, 3) if op is not None else None


def _json_or_text(raw: bytes):
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return raw.decode("utf-8", "replace")


def _action_name(method: str, path: str) -> str:
    segments = [s for s in path.strip("/").split("/") if s]
    if "providers" in [s.lower() for s in segments]:
        i = max(i for i, s in enumerate(segments) if s.lower() == "providers")
        types = segments[i + 2::2]
        resource_type = "/".join([segments[i + 1]] + types)
    else:
        resource_type = "Microsoft.Resources/subscriptions/resourceGroups"
    verb = {"GET": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete", "POST": "action"}.get(method, "read")
    return "%s/%s" % (resource_type, verb)


def metadata(emulator: ArmEmulator) -> list:
    arm = emulator.url
    return [{
        "name": "AzureRoboticsEmulator",
        "resourceManager": arm,
        "authentication": {"loginEndpoint": "https://login.microsoftonline.com/", "audiences": [arm],
                           "tenant": "common", "identityProvider": "AAD"},
        "suffixes": {"storage": "core.windows.net", "keyVaultDns": "vault.azure.net", "acrLoginServer": "azurecr.io"},
        "portal": arm,
    }]
