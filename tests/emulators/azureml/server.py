"""HTTPS front end of the emulated AzureML workspace: ARM routes, discovery, run history, logs, control.

Paths, api-version handling, status codes, long-running-operation headers and
error bodies follow Azure Resource Manager and the Microsoft.MachineLearningServices
REST API (see CONTRACT.md for the list and the limits).
"""

from __future__ import annotations

import datetime
import json
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from emulators.azureml.state import ApiError, JobRule, Workspace

# ARM path segments are case-insensitive; names are not.
WS = (r"/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)/providers/microsoft\.machinelearningservices"
      r"/workspaces/(?P<ws>[^/]+)")
HISTORY = r"/history/v1\.0" + WS

ROUTES = []  # (method, compiled regex, handler name, needs auth)


def route(method, pattern, auth=True):
    def decorate(func):
        ROUTES.append((method, re.compile("^" + pattern + "$", re.I), func.__name__, auth))
        return func

    return decorate


API_VERSION = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(-preview)?$")
OLDEST_API_VERSION = "2022-05-01"


class AzuriteStorage:
    """The workspace's default blob storage, served by a real Azurite (path-style URLs)."""

    def __init__(self, blob_endpoint: str, account: str, key: str, container: str = "azureml-blobstore-emulated"):
        self.blob_endpoint = blob_endpoint.rstrip("/")
        self.account = account
        self.key = key
        self.container = container
        self._created = False

    def connection_string(self) -> str:
        return ("DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=%s;"
                % (self.account, self.key, self.blob_endpoint))

    def ensure_container(self) -> None:
        if self._created:
            return
        from azure.core.exceptions import ResourceExistsError
        from azure.storage.blob import BlobServiceClient

        try:
            BlobServiceClient.from_connection_string(self.connection_string()).create_container(self.container)
        except ResourceExistsError:
            pass
        self._created = True

    def container_sas(self) -> str:
        from azure.storage.blob import ContainerSasPermissions, generate_container_sas

        self.ensure_container()
        return generate_container_sas(
            self.account, self.container, account_key=self.key,
            permission=ContainerSasPermissions(read=True, write=True, list=True, create=True, add=True),
            expiry=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1),
        )

    def list_blobs(self, prefix: str = "") -> list[str]:
        from azure.storage.blob import BlobServiceClient

        container = BlobServiceClient.from_connection_string(self.connection_string()).get_container_client(
            self.container)
        return [b.name for b in container.list_blobs(name_starts_with=prefix)]


class Handler(BaseHTTPRequestHandler):
    server_version = "AzureMLEmulator/1.0"
    protocol_version = "HTTP/1.1"

    @property
    def ws(self) -> Workspace:
        return self.server.workspace  # type: ignore[attr-defined]

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)

    def _dispatch(self):
        parsed = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode(errors="replace")
        entry = {"method": self.command, "path": parsed.path, "query": query, "body": body,
                 "api_version": query.get("api-version"), "time": time.time()}
        status, payload, headers = 500, None, {}
        try:
            status, payload, headers = self._handle(parsed.path, query, body)
        except ApiError as exc:
            status, payload, headers = exc.status, exc.body(), exc.headers
        except Exception as exc:  # an emulator bug: answer like ARM would, keep serving
            status, payload = 500, {"error": {"code": "InternalServerError", "message": repr(exc)}}
        entry["status"] = status
        if not parsed.path.startswith("/_emulator/"):
            self.ws.record(entry)
        self._send(status, payload, headers)

    def _send(self, status, payload, headers):
        if isinstance(payload, (dict, list)):
            data = json.dumps(payload).encode()
            content_type = "application/json; charset=utf-8"
        elif payload is None:
            data = b""
            content_type = "application/json; charset=utf-8"
        else:
            data = payload.encode() if isinstance(payload, str) else payload
            content_type = "text/plain; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-ms-request-id", "%032x" % int(time.time() * 1e6))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = _dispatch

    def _handle(self, path, query, body):
        candidates = [r for r in ROUTES if r[1].match(path)]
        if not candidates:
            raise ApiError(404, "NoRegisteredProviderFound" if "/providers/" in path else "NotFound",
                           "The emulator does not serve %s %s." % (self.command, path))
        for method, pattern, name, auth in candidates:
            if method != self.command:
                continue
            match = pattern.match(path)
            if auth:
                self._authorize()
            if match.groupdict().get("ws") is not None:
                self._check_scope(match, query, path)
            names = {k: urllib.parse.unquote(v) for k, v in match.groupdict().items()
                     if k not in ("sub", "rg", "ws")}
            return getattr(self, name)(query=query, body=body, **names)
        raise ApiError(405, "MethodNotAllowed", "%s is not allowed on %s." % (self.command, path))

    def _authorize(self):
        header = self.headers.get("Authorization") or ""
        if not header.startswith("Bearer "):
            raise ApiError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is "
                                                        "missing.",
                           {"WWW-Authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/common"'})
        if self.ws.token and header[len("Bearer "):] != self.ws.token:
            raise ApiError(401, "InvalidAuthenticationToken", "The access token is invalid.")

    def _check_scope(self, match, query, path):
        if not path.lower().startswith("/history/"):
            version = query.get("api-version")
            if not version:
                raise ApiError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) "
                                                                  "is required for all requests.")
            if not API_VERSION.match(version) or version[:10] < OLDEST_API_VERSION:
                raise ApiError(400, "InvalidApiVersionParameter", "The api-version '%s' is invalid. The supported "
                                                                  "versions are dated %s or later." %
                               (version, OLDEST_API_VERSION))
        ws = self.ws
        if match.group("sub") != ws.subscription_id:
            raise ApiError(404, "SubscriptionNotFound", "The subscription '%s' could not be found."
                           % match.group("sub"))
        if match.group("rg").lower() != ws.resource_group.lower():
            raise ApiError(404, "ResourceGroupNotFound", "Resource group '%s' could not be found."
                           % match.group("rg"))
        if match.group("ws").lower() != ws.workspace_name.lower():
            raise ApiError(404, "ResourceNotFound", "The Resource 'Microsoft.MachineLearningServices/workspaces/%s' "
                                                    "under resource group '%s' was not found."
                           % (match.group("ws"), match.group("rg")))

    # -- workspace and discovery --------------------------------------------
    @route("GET", WS)
    def get_workspace(self, query, body):
        return 200, self.ws.workspace(), {}

    @route("GET", r"/discovery", auth=False)
    def discovery(self, query, body):
        return 200, self.ws.discovery(), {}

    # -- computes -----------------------------------------------------------
    @route("GET", WS + r"/computes")
    def list_computes(self, query, body):
        return 200, {"value": self.ws.list_computes()}, {}

    @route("GET", WS + r"/computes/(?P<name>[^/]+)")
    def get_compute(self, query, body, name):
        return 200, self.ws.compute(name), {}

    # -- environments -------------------------------------------------------
    @route("GET", WS + r"/environments/(?P<name>[^/]+)")
    def get_environment(self, query, body, name):
        return 200, self.ws.get_environment_container(name), {}

    @route("GET", WS + r"/environments/(?P<name>[^/]+)/versions")
    def list_environment_versions(self, query, body, name):
        return 200, {"value": self.ws.list_environment_versions(name)}, {}

    @route("GET", WS + r"/environments/(?P<name>[^/]+)/versions/(?P<version>[^/]+)")
    def get_environment_version(self, query, body, name, version):
        return 200, self.ws.get_environment_version(name, version), {}

    @route("PUT", WS + r"/environments/(?P<name>[^/]+)/versions/(?P<version>[^/]+)")
    def put_environment_version(self, query, body, name, version):
        status, stored = self.ws.put_environment_version(name, version, _json_body(body))
        return status, stored, {}

    # -- code ---------------------------------------------------------------
    @route("GET", WS + r"/codes/(?P<name>[^/]+)/versions")
    def list_code_versions(self, query, body, name):
        return 200, {"value": self.ws.list_code_versions(name, query.get("hash"))}, {}

    @route("GET", WS + r"/codes/(?P<name>[^/]+)/versions/(?P<version>[^/]+)")
    def get_code_version(self, query, body, name, version):
        return 200, self.ws.get_code_version(name, version), {}

    @route("PUT", WS + r"/codes/(?P<name>[^/]+)/versions/(?P<version>[^/]+)")
    def put_code_version(self, query, body, name, version):
        status, stored = self.ws.put_code_version(name, version, _json_body(body))
        return status, stored, {}

    @route("POST", WS + r"/codes/(?P<name>[^/]+)/versions/(?P<version>[^/]+)/startPendingUpload")
    def start_pending_upload(self, query, body, name, version):
        return 200, self.ws.start_pending_upload(name, version), {}

    # -- models -------------------------------------------------------------
    @route("GET", WS + r"/models")
    def list_models(self, query, body):
        return 200, {"value": self.ws.list_model_containers()}, {}

    @route("GET", WS + r"/models/(?P<name>[^/]+)")
    def get_model(self, query, body, name):
        return 200, self.ws.get_model_container(name), {}

    @route("GET", WS + r"/models/(?P<name>[^/]+)/versions")
    def list_model_versions(self, query, body, name):
        top = int(query["$top"]) if query.get("$top") else None
        found = self.ws.list_model_versions(name, query.get("$orderBy"), top, query.get("tags"), query.get("version"))
        return 200, _paged(found, query, self.ws.base_url, self.path), {}

    @route("GET", WS + r"/models/(?P<name>[^/]+)/versions/(?P<version>[^/]+)")
    def get_model_version(self, query, body, name, version):
        return 200, self.ws.get_model_version(name, version), {}

    @route("PUT", WS + r"/models/(?P<name>[^/]+)/versions/(?P<version>[^/]+)")
    def put_model_version(self, query, body, name, version):
        return 201, self.ws.put_model_version(name, version, _json_body(body)), {}

    # -- datastores ---------------------------------------------------------
    @route("GET", WS + r"/datastores")
    def list_datastores(self, query, body):
        stores = self.ws.datastores()
        if query.get("isDefault", "").lower() == "true":
            stores = [s for s in stores if s["properties"]["isDefault"]]
        return 200, {"value": stores}, {}

    @route("GET", WS + r"/datastores/(?P<name>[^/]+)")
    def get_datastore(self, query, body, name):
        return 200, self.ws.datastore(name), {}

    @route("POST", WS + r"/datastores/(?P<name>[^/]+)/listSecrets")
    def list_datastore_secrets(self, query, body, name):
        return 200, self.ws.datastore_secrets(name), {}

    # -- jobs ---------------------------------------------------------------
    @route("GET", WS + r"/jobs")
    def list_jobs(self, query, body):
        return 200, {"value": self.ws.list_jobs()}, {}

    @route("GET", WS + r"/jobs/(?P<name>[^/]+)")
    def get_job(self, query, body, name):
        return 200, self.ws.get_job(name), {}

    @route("PUT", WS + r"/jobs/(?P<name>[^/]+)")
    def put_job(self, query, body, name):
        status, stored = self.ws.put_job(name, _json_body(body))
        return status, stored, {}

    @route("POST", WS + r"/jobs/(?P<name>[^/]+)/cancel")
    def cancel_job(self, query, body, name):
        op_id = self.ws.cancel_job(name)
        location = "%s%s/operationResults/%s?api-version=%s" % (self.ws.base_url.rstrip("/"), self.ws.arm_id,
                                                                op_id, query["api-version"])
        return 202, None, {"Location": location, "Retry-After": "1"}

    @route("GET", WS + r"/operationResults/(?P<op_id>[^/]+)")
    def operation_result(self, query, body, op_id):
        if self.ws.operation_done(op_id):
            return 200, None, {}
        location = "%s%s/operationResults/%s?api-version=%s" % (self.ws.base_url.rstrip("/"), self.ws.arm_id,
                                                                op_id, query["api-version"])
        return 202, None, {"Location": location, "Retry-After": "1"}

    # -- run history and logs -----------------------------------------------
    @route("GET", HISTORY + r"/runs/(?P<run_id>[^/]+)/details")
    def run_details(self, query, body, run_id):
        return 200, self.ws.run_details(run_id), {}

    @route("GET", r"/_logs/(?P<run_id>[^/]+)/(?P<log_path>.+)", auth=False)
    def log_file(self, query, body, run_id, log_path):
        return 200, self.ws.log_file(run_id, log_path, query.get("sig")), {}

    # -- control (tests and the process mode's clients) ----------------------
    @route("GET", r"/_emulator/requests", auth=False)
    def control_requests(self, query, body):
        with self.ws.lock:
            return 200, list(self.ws.requests), {}

    @route("POST", r"/_emulator/reset", auth=False)
    def control_reset(self, query, body):
        self.ws.reset()
        return 204, None, {}

    @route("POST", r"/_emulator/models", auth=False)
    def control_add_model(self, query, body):
        spec = _json_body(body)
        return 201, self.ws.add_model(spec["name"], str(spec["version"]), spec.get("tags"), spec.get("properties"),
                                      spec.get("path"), spec.get("type", "custom_model")), {}

    @route("POST", r"/_emulator/rules", auth=False)
    def control_add_rule(self, query, body):
        self.ws.add_rule(JobRule(**_json_body(body)))
        return 204, None, {}


def _json_body(body):
    if not isinstance(body, dict):
        raise ApiError(400, "InvalidRequestContent", "The request content was invalid and could not be "
                                                     "deserialized: a JSON object is required.")
    return body


def _paged(items, query, base_url, path, page_size=2):
    """ARM paging: ``value`` plus ``nextLink`` carrying ``$skipToken`` (small pages so clients must follow)."""
    start = int(query.get("$skipToken") or 0)
    page = items[start:start + page_size]
    result = {"value": page}
    if start + page_size < len(items):
        parsed = urllib.parse.urlsplit(path)
        params = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
        params["$skipToken"] = str(start + page_size)
        result["nextLink"] = "%s%s?%s" % (base_url.rstrip("/"), parsed.path, urllib.parse.urlencode(params))
    return result


class EmulatorServer:
    """Runs the emulator on a loopback port with TLS from the given context, in a background thread."""

    def __init__(self, workspace: Workspace, ssl_context, host="127.0.0.1", port=0, verbose=False):
        self.workspace = workspace
        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.httpd.socket = ssl_context.wrap_socket(self.httpd.socket, server_side=True)
        self.httpd.workspace = workspace
        self.httpd.verbose = verbose
        self.port = self.httpd.server_address[1]
        self.url = "https://%s:%d/" % (host, self.port)
        workspace.base_url = self.url
        self._thread = None

    def start(self) -> "EmulatorServer":
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="azureml-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)
