"""HTTPS transport of the emulator: bearer-token auth, the request log, watch streaming, control endpoints."""

from __future__ import annotations

import base64
import json
import secrets
import socket
import ssl
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .api import Request
from .cluster import Cluster, Config
from .errors import ApiError


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "k8s-emulator"

    def setup(self):
        # headers and body go out in separate writes: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms each
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            try:
                self.request.do_handshake()
            except (ssl.SSLError, OSError):
                self.close_connection = True
            self.request.settimeout(None)
        super().setup()

    def log_message(self, format, *args):  # noqa: A002 - BaseHTTPRequestHandler's signature
        return

    def do_GET(self):  # noqa: N802
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _handle(self):
        emulator: K8sEmulator = self.server.emulator
        parsed = urlsplit(self.path)
        query = parse_qs(parsed.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        entry = {"time": time.time(), "method": self.command, "path": parsed.path,
                 "query": {k: v[-1] for k, v in query.items()}, "content_type": headers.get("content-type"),
                 "user_agent": headers.get("user-agent"), "body": _decode(body, headers.get("content-type"))}
        if headers.get("authorization") != f"Bearer {emulator.token}":
            error = ApiError.unauthorized()
            entry["status"] = 401
            emulator.log(entry)
            return self._send(401, error.body)
        if parsed.path.startswith("/emulator/"):
            status, payload = emulator.control(self.command, parsed.path, body)
            return self._send(status, payload)
        response = emulator.cluster.api.handle(Request(self.command, parsed.path, query, headers, body))
        entry["duration"] = round(time.time() - entry["time"], 4)
        entry["status"] = response.status
        entry["watch"] = response.stream is not None
        emulator.log(entry)
        if response.stream is not None:
            return self._stream(response)
        return self._send(response.status, response.body, response.headers)

    def _send(self, status, payload, headers=None):
        if isinstance(payload, (dict, list)):
            data, ctype = json.dumps(payload).encode(), "application/json"
        else:
            data, ctype = str(payload or "").encode(), "text/plain; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Audit-Id", str(uuid.uuid4()))
        for name, value in (headers or {}).items():
            if name.lower() != "content-type":
                self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, response):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        try:
            for chunk in response.stream:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            self.close_connection = True


def _decode(body: bytes, content_type: str | None):
    if not body:
        return None
    try:
        if content_type and content_type.startswith("application/vnd.kubernetes.protobuf"):
            from .protobuf import decode

            return decode(body)
        if content_type and "yaml" in content_type:
            import yaml

            return yaml.safe_load(body.decode())
        return json.loads(body.decode())
    except (ValueError, UnicodeDecodeError):
        return None
    except Exception:  # noqa: BLE001 - a malformed body is logged as absent; the API answers 400 itself
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class K8sEmulator:
    """A Kubernetes API server emulator on HTTPS (see CONTRACT.md)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, token: str | None = None,
                 config: Config | None = None, ssl_context: ssl.SSLContext | None = None,
                 ca_pem: bytes | None = None):
        self.host = host
        self.token = token or secrets.token_urlsafe(24)
        if ssl_context is None:
            from support.tls import server_context, test_ca

            ssl_context = server_context(host, "localhost")
            ca_pem = test_ca().cert_pem.bytes()
        self.ssl_context = ssl_context
        self.ca_pem = ca_pem
        self._httpd = _Server((host, port), _Handler)
        self._httpd.emulator = self
        self._httpd.socket = ssl_context.wrap_socket(self._httpd.socket, server_side=True,
                                                     do_handshake_on_connect=False)
        self.port = self._httpd.server_address[1]
        self.cluster = Cluster(config, address=f"{host}:{self.port}")
        self._requests: list = []
        self._lock = threading.Lock()
        self._thread = None

    # -- lifecycle ------------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}"

    def start(self) -> "K8sEmulator":
        self.cluster.start()
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="k8s-emulator-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.cluster.stop()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- request log ----------------------------------------------------------------------------------------------
    def log(self, entry: dict) -> None:
        with self._lock:
            self._requests.append(entry)

    @property
    def requests(self) -> list:
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def writes(self) -> list:
        """Requests that would change state (POST/PUT/PATCH/DELETE), dry runs included."""
        return [r for r in self.requests if r["method"] in ("POST", "PUT", "PATCH", "DELETE")]

    # -- client configuration -------------------------------------------------------------------------------------
    def kubeconfig(self, namespace: str = "default") -> dict:
        return {
            "apiVersion": "v1", "kind": "Config", "current-context": "emulator", "preferences": {},
            "clusters": [{"name": "emulator", "cluster": {
                "server": self.url, "certificate-authority-data": base64.b64encode(self.ca_pem).decode()}}],
            "users": [{"name": "emulator", "user": {"token": self.token}}],
            "contexts": [{"name": "emulator", "context": {"cluster": "emulator", "user": "emulator",
                                                          "namespace": namespace}}],
        }

    def write_kubeconfig(self, path) -> str:
        import yaml

        with open(path, "w", encoding="utf-8") as handle:
            yaml.safe_dump(self.kubeconfig(), handle)
        return str(path)

    def api_client(self):
        import kubernetes

        configuration = kubernetes.client.Configuration()
        kubernetes.config.load_kube_config_from_dict(self.kubeconfig(), client_configuration=configuration)
        return kubernetes.client.ApiClient(configuration)

    # -- control endpoints (not part of the Kubernetes API; see CONTRACT.md) -------------------------------------
    def control(self, method: str, path: str, body: bytes):
        data = json.loads(body.decode()) if body else {}
        cluster = self.cluster
        if path == "/emulator/requests":
            if method == "DELETE":
                self.clear_requests()
                return 200, {}
            return 200, {"items": self.requests}
        if path == "/emulator/jobs/behaviours" and method == "POST":
            cluster.add_job_behaviour(data)
            return 201, data
        if path == "/emulator/nodes" and method == "POST":
            return 201, cluster.add_node(data["name"], data.get("labels"), data.get("taints"), data.get("capacity"))
        if path == "/emulator/workloads/behaviours" and method == "POST":
            cluster.workload_behaviours[(data["kind"], data["namespace"], data["name"])] = {
                "ready": data.get("ready", True)}
            return 201, data
        if path == "/emulator/config" and method == "PATCH":
            for key, value in data.items():
                if not hasattr(cluster.config, key):
                    return 400, {"message": f"unknown setting {key}"}
                setattr(cluster.config, key, value)
            return 200, vars(cluster.config)
        if path == "/emulator/errors":
            return 200, {"items": list(cluster.errors)}
        return 404, {"message": f"no control endpoint {method} {path}"}
