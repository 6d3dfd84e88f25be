"""HTTP front of the OSMO emulator: routing, bearer auth, the request log and the admin API."""

from __future__ import annotations

import copy
import json
import re
import secrets
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

from . import models, state, templating

VERSION = {"major": "6", "minor": "3", "revision": "1", "hash": ""}
MAX_NAME_LENGTH = 64
JWT_LIFETIME = 300
PRIORITIES = ("HIGH", "NORMAL", "LOW")


def duration(seconds: float | None) -> str | None:
    """A timedelta the way the service's JSON encoder writes it (ISO 8601)."""
    if seconds is None:
        return None
    return f"PT{max(0.0, seconds):.3f}S"


class ApiError(Exception):
    def __init__(self, status: int, body, content_type: str = "application/json"):
        super().__init__(str(body))
        self.status = status
        self.body = body
        self.content_type = content_type


def user_error(message: str, code: str = "USER", workflow_id: str | None = None, status: int = 400) -> ApiError:
    return ApiError(status, {"message": message, "error_code": code, "workflow_id": workflow_id})


class OsmoEmulator:
    """An OSMO service on loopback. ``tokens`` maps bearer tokens to user names; ``access_tokens`` are OSMO
    access tokens that can be exchanged for short-lived JWTs at POST /api/auth/jwt/access_token."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, tokens: dict | None = None,
                 access_tokens: dict | None = None, pools=("default",), profile_pool: str | None = None,
                 timing: state.Timing | None = None, ssl_context: ssl.SSLContext | None = None,
                 jwt_lifetime: float = JWT_LIFETIME, clock=time.time):
        self.tokens = dict(tokens or {"emulator-token": "ansible"})
        self.access_tokens = dict(access_tokens or {})
        self.jwts: dict[str, tuple[str, float]] = {}
        # users (id -> {roles, created_at, created_by}) and their named access tokens (id -> name -> record)
        self.users: dict[str, dict] = {}
        self.user_tokens: dict[str, dict[str, dict]] = {}
        self.pools = set(pools)
        self.profile_pool = profile_pool
        self.jwt_lifetime = jwt_lifetime
        self.clock = clock
        self.store = state.Store(timing, clock=clock)
        self.requests: list[dict] = []
        self._log_lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self.scheme = "http"
        if ssl_context is not None:
            self._server.socket = ssl_context.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self) -> "OsmoEmulator":
        self._thread = threading.Thread(target=self._server.serve_forever, name="osmo-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- request log --------------------------------------------------------------
    def log(self, entry: dict) -> None:
        with self._log_lock:
            self.requests.append(entry)

    def requests_to(self, method: str | None = None, path: str | None = None) -> list[dict]:
        with self._log_lock:
            return [r for r in self.requests
                    if (method is None or r["method"] == method) and (path is None or re.fullmatch(path, r["path"]))]

    def clear_requests(self) -> None:
        with self._log_lock:
            self.requests.clear()

    # -- auth -------------------------------------------------------------------
    def authenticate(self, header: str | None) -> str:
        if not header or not header.startswith("Bearer "):
            raise ApiError(401, "Jwt is missing", "text/plain")
        token = header[len("Bearer "):].strip()
        if token in self.tokens:
            return self.tokens[token]
        if token in self.access_tokens:  # the gateway also accepts a raw access token
            return self.access_tokens[token]
        issued = self.jwts.get(token)
        if issued:
            user, expires = issued
            if self.clock() < expires:
                return user
            raise ApiError(401, "Jwt is expired", "text/plain")
        raise ApiError(401, "Jwt verification fails", "text/plain")

    def exchange(self, body) -> dict:
        token = (body or {}).get("token") if isinstance(body, dict) else None
        if not token or token not in self.access_tokens:
            raise user_error("Access token is invalid.")
        jwt = "osmo-jwt-" + secrets.token_urlsafe(24)
        expires = int(self.clock() + self.jwt_lifetime)
        self.jwts[jwt] = (self.access_tokens[token], expires)
        return {"token": jwt, "expires_at": expires}

    # -- endpoints --------------------------------------------------------------
    def submit(self, user: str, pool: str, query: dict, body) -> dict:
        if body is None:
            raise user_error("Need to provide either file contents or workflow ID.", "USAGE")
        if not isinstance(body, dict):
            raise ApiError(422, {"detail": [{"type": "model_attributes_type", "loc": ["body"],
                                             "msg": "Input should be a valid dictionary or object"}]})
        extra = set(body) - {"file", "set_variables", "set_string_variables", "uploaded_templated_spec"}
        if extra or not isinstance(body.get("file"), str):
            raise ApiError(422, {"detail": [{"type": "extra_forbidden" if extra else "missing",
                                             "loc": ["body", sorted(extra)[0] if extra else "file"],
                                             "msg": "Extra inputs are not permitted" if extra else "Field required"}]})
        if pool not in self.pools:
            raise user_error(f"Pool {pool} is not found.", "DATABASE")
        priority = _one(query, "priority") or "NORMAL"
        if priority not in PRIORITIES:
            raise ApiError(422, {"detail": [{"type": "enum", "loc": ["query", "priority"],
                                             "msg": "Input should be 'HIGH', 'NORMAL' or 'LOW'"}]})
        document = templating.render(body["file"], body.get("set_variables"), body.get("set_string_variables"))
        workflow = document.get("workflow") if isinstance(document.get("workflow"), dict) else {}
        name = workflow.get("name") or "failed-" + secrets.token_hex(4)
        if _flag(query, "dry_run"):
            # Like the service (and its issue #596): render only, no validation.
            return {"name": self.store.next_id(name), "spec": yaml.safe_dump(document, sort_keys=False)}
        spec = models.parse_spec(document, workflow_id=name)
        for item in [spec.name] + [g.name for g in spec.groups] + [t.name for g in spec.groups for t in g.tasks]:
            if len(item) > MAX_NAME_LENGTH:
                raise user_error(f"Name {item} is too long. It must be {MAX_NAME_LENGTH} characters or less.")
        if _flag(query, "validation_only"):
            return {"name": self.store.next_id(spec.name), "logs": "Workflow validation succeeded.", "warnings": []}
        env_vars = {}
        for item in query.get("env_vars", []):
            if "=" not in item:
                raise user_error(f"Environment variable {item} is incorrectly formatted", "USAGE")
            key, value = item.split("=", 1)
            env_vars[key] = value
        for group in spec.groups:
            for task in group.tasks:
                task.environment.update(env_vars)
        created = self.store.add(spec, user, pool, priority, body["file"], body.get("uploaded_templated_spec"))
        return {"name": created.name, "overview": f"{self.url}/workflows/{created.name}",
                "logs": f"{self.url}/api/workflow/{created.name}/logs", "dashboard_url": None, "warnings": []}

    def workflow_or_error(self, name: str) -> state.Workflow:
        workflow = self.store.get(name)
        if workflow is None:
            raise user_error(f"Workflow {name} is not found.", "DATABASE")
        return workflow

    def describe(self, workflow: state.Workflow) -> dict:
        base = f"{self.url}/api/workflow/{workflow.name}"
        downstream = {g.name: sorted(o.name for o in workflow.groups if g.name in o.upstream) for g in workflow.groups}
        groups = []
        for group in workflow.groups:
            tasks = []
            for task in group.tasks:
                finished = task.status in ("COMPLETED", "FAILED") and task.end_time is not None
                tasks.append({
                    "name": task.name, "retry_id": 0, "status": task.status,
                    "failure_message": task.failure_message if task.status.startswith("FAILED") else None,
                    "exit_code": task.exit_code if finished else None,
                    "logs": f"{base}/logs?task_name={task.name}",
                    "error_logs": f"{base}/error_logs?task_name={task.name}" if task.status == "FAILED" else None,
                    "events": f"{base}/events?task_name={task.name}",
                    "start_time": state.iso(task.start_time), "end_time": state.iso(task.end_time),
                    "pod_name": f"{workflow.uuid[:8]}-{task.uuid[:12]}", "task_uuid": task.uuid,
                    "node_name": "emulated-node-0" if task.start_time else None, "lead": task.lead,
                    "processing_start_time": state.iso(workflow.submit_time),
                    "scheduling_start_time": state.iso(workflow.submit_time),
                    "initializing_start_time": state.iso(task.start_time),
                    "input_download_start_time": state.iso(task.start_time),
                    "input_download_end_time": state.iso(task.start_time),
                    "output_upload_start_time": state.iso(task.end_time),
                    "dashboard_url": None, "pod_ip": None,
                })
            groups.append({
                "name": group.name, "status": group.status, "start_time": state.iso(group.start_time),
                "end_time": state.iso(group.end_time), "processing_start_time": state.iso(workflow.submit_time),
                "scheduling_start_time": state.iso(workflow.submit_time),
                "initializing_start_time": state.iso(group.start_time),
                "remaining_upstream_groups": sorted(u for u in group.upstream
                                                    if next(g for g in workflow.groups if g.name == u).status
                                                    != "COMPLETED"),
                "downstream_groups": downstream[group.name],
                "failure_message": group.failure_message, "tasks": tasks,
            })
        end = workflow.end_time
        started = workflow.start_time
        now = self.clock()
        return {
            "name": workflow.name, "uuid": workflow.uuid, "submitted_by": workflow.user,
            "cancelled_by": workflow.cancelled_by, "spec": f"{base}/spec", "template_spec": f"{base}/spec?use_template=true",
            "logs": f"{base}/logs", "events": f"{base}/events", "overview": f"{self.url}/workflows/{workflow.name}",
            "parent_name": None, "parent_job_id": None, "dashboard_url": None, "grafana_url": None,
            "tags": list(workflow.tags), "submit_time": state.iso(workflow.submit_time),
            "start_time": state.iso(started), "end_time": state.iso(end),
            "exec_timeout": duration(workflow.exec_timeout), "queue_timeout": duration(workflow.queue_timeout),
            "duration": duration((end or now) - started) if started else None,
            "queued_time": duration((started or now) - workflow.submit_time),
            "status": workflow.status, "outputs": "", "groups": groups, "pool": workflow.pool, "backend": "default",
            "app_owner": None, "app_name": None, "app_version": None, "plugins": {}, "priority": workflow.priority,
            "labels": dict(workflow.labels), "warnings": [],
        }

    def list_entry(self, workflow: state.Workflow) -> dict:
        data = self.describe(workflow)
        keep = ("name", "submit_time", "start_time", "end_time", "queued_time", "duration", "status", "overview",
                "logs", "dashboard_url", "grafana_url", "pool", "app_owner", "app_name", "app_version", "priority",
                "labels")
        entry = {k: data[k] for k in keep}
        entry.update(user=workflow.user, workflow_uuid=workflow.uuid,
                     error_logs=f"{self.url}/api/workflow/{workflow.name}/error_logs"
                     if workflow.status.startswith("FAILED") else None)
        return entry

    def list(self, user: str, query: dict) -> dict:
        try:
            offset = int(_one(query, "offset") or 0)
            limit = int(_one(query, "limit") or 20)
        except ValueError:
            raise ApiError(422, {"detail": [{"type": "int_parsing", "loc": ["query", "limit"],
                                             "msg": "Input should be a valid integer"}]})
        if offset < 0:
            raise user_error("Parameter start must be a non-negative integer.", "USAGE")
        if limit > 1000:
            raise user_error("Limit must be less than 1000.")
        users = query.get("users") or ([] if _flag(query, "all_users") else [user])
        pools = query.get("pools") or []
        if not pools and not _flag(query, "all_pools"):
            if not self.profile_pool:
                raise user_error("No pool selected!")
            pools = [self.profile_pool]
        statuses = query.get("statuses") or []
        name = _one(query, "name")
        rows = []
        for workflow in sorted(self.store.all(), key=lambda w: (w.submit_time, w.name)):
            if users and workflow.user not in users:
                continue
            if pools and workflow.pool not in pools:
                continue
            if statuses and workflow.status not in statuses:
                continue
            if name and name not in workflow.name:
                continue
            rows.append(workflow)
        if (_one(query, "order") or "ASC").upper() == "DESC":
            rows.reverse()
        page = rows[offset:offset + limit]
        return {"workflows": [self.list_entry(w) for w in page], "more_entries": len(rows) > offset + limit}

    def logs(self, workflow: state.Workflow, query: dict, errors_only: bool) -> str:
        task_name = _one(query, "task_name")
        last_n = _one(query, "last_n_lines")
        if errors_only and not task_name:
            table = {f"{t.name} retry-0": self._error_text(workflow, g, t) or None
                     for g in workflow.groups for t in g.tasks}
            return "Specify task for error logs.\n\n" + json.dumps(table, indent=4)
        lines = []
        found = False
        for group in workflow.groups:
            for task in group.tasks:
                if task_name and task.name != task_name:
                    continue
                found = True
                if errors_only:
                    text = self._error_text(workflow, group, task)
                    lines.extend(text.splitlines() if text else [])
                else:
                    lines.extend(self.store.task_logs(workflow, group, task))
        if task_name and not found:
            raise user_error(f"Workflow {workflow.name} with task {task_name} does not exist")
        if last_n:
            lines = lines[-int(last_n):]
        return "\n".join(lines) + ("\n" if lines else "")

    def _error_text(self, workflow, group, task) -> str:
        if task.status != "FAILED":
            return ""
        tail = [line for line in self.store.task_logs(workflow, group, task) if "[osmo]" not in line][-20:]
        return "\n".join(tail + [f"exit code {task.exit_code}: {task.failure_message}"])

    def cancel(self, user: str, workflow: state.Workflow, query: dict) -> dict:
        if workflow.status not in state.ALIVE and not _flag(query, "force"):
            raise user_error(f"Workflow {workflow.name} is already finished.")
        self.store.cancel(workflow, user)
        return {"name": workflow.name}

    # -- HTTP plumbing ----------------------------------------------------------
    def _handler_class(self):
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "osmo-emulator/6.3.1"

            def log_message(self, *args):  # keep test output clean; the request log has everything
                return

            def _dispatch(self, method: str):
                parts = urlsplit(self.path)
                path = unquote(parts.path)
                query = parse_qs(parts.query, keep_blank_values=True)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                entry = {"method": method, "path": path, "query": query, "body": copy.deepcopy(body),
                         "authorization": "bearer" if (self.headers.get("Authorization") or "").startswith("Bearer ")
                         else None, "time": time.time()}
                try:
                    status, payload, content_type = emulator.route(method, path, query, body,
                                                                   self.headers.get("Authorization"))
                except ApiError as exc:
                    status, payload, content_type = exc.status, exc.body, exc.content_type
                except models.UsageError as exc:
                    status, payload, content_type = 400, {"message": exc.message, "error_code": exc.code,
                                                          "workflow_id": exc.workflow_id}, "application/json"
                except Exception as exc:  # what the service's top-level handler does
                    status, payload, content_type = 500, {"message": f"Internal server error: {exc}"}, \
                        "application/json"
                if not path.startswith("/_emulator"):
                    entry["status"] = status
                    emulator.log(entry)
                data = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
                data = data.encode("utf-8") if isinstance(data, str) else data
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                if status == 401:
                    self.send_header("WWW-Authenticate", "Bearer")
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._dispatch("GET")

            def do_POST(self):
                self._dispatch("POST")

            def do_DELETE(self):
                self._dispatch("DELETE")

            def do_PUT(self):
                self._dispatch("PUT")

        return Handler

    def route(self, method: str, path: str, query: dict, body, authorization: str | None):
        json_type = "application/json"
        if path.startswith("/_emulator/"):
            return self.admin(method, path, body)
        if path == "/health":
            return 200, {"status": "OK"}, json_type
        if path == "/api/auth/jwt/access_token" and method == "POST":
            return 200, self.exchange(body), json_type
        user = self.authenticate(authorization)
        if path == "/api/version" and method == "GET":
            return 200, VERSION, json_type
        if path.startswith("/api/auth/user"):
            return 200, self.auth_users(user, method, path, query, body), json_type
        match = re.fullmatch(r"/api/pool/([^/]+)/workflow", path)
        if match and method == "POST":
            return 200, self.submit(user, match.group(1), query, body), json_type
        if path == "/api/workflow" and method == "GET":
            return 200, self.list(user, query), json_type
        match = re.fullmatch(r"/api/workflow/([^/]+)(?:/(logs|error_logs|spec|cancel|events))?", path)
        if match:
            workflow = self.workflow_or_error(match.group(1))
            action = match.group(2)
            if action is None and method == "GET":
                return 200, self.describe(workflow), json_type
            if action in ("logs", "error_logs") and method == "GET":
                return 200, self.logs(workflow, query, action == "error_logs"), "text/plain; charset=utf-8"
            if action == "events" and method == "GET":
                return 200, "", "text/plain; charset=utf-8"
            if action == "spec" and method == "GET":
                text = workflow.template_text if _flag(query, "use_template") and workflow.template_text \
                    else workflow.spec_text
                return 200, text, "text/plain; charset=utf-8"
            if action == "cancel" and method == "POST":
                return 200, self.cancel(user, workflow, query), json_type
        raise ApiError(404 if method == "GET" else 405, {"detail": "Not Found" if method == "GET" else
                                                         "Method Not Allowed"})

    def auth_users(self, caller: str, method: str, path: str, query: dict, body):
        """User and access-token administration (``/api/auth/user[/{id}[/access_token[/{name}]]]``)."""
        if path == "/api/auth/user" and method == "POST":
            if not isinstance(body, dict) or not body.get("id"):
                raise ApiError(422, {"detail": [{"type": "missing", "loc": ["body", "id"], "msg": "Field required"}]})
            if body["id"] in self.users:
                raise user_error(f"User {body['id']} already exists")
            now = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self.clock()))
            self.users[body["id"]] = {"roles": list(body.get("roles") or []), "created_at": now, "created_by": caller}
            return {"id": body["id"], "created_at": now, "created_by": caller}
        match = re.fullmatch(r"/api/auth/user/([^/]+)(?:/access_token(?:/([^/]+))?)?", path)
        if not match:
            raise ApiError(404, {"detail": "Not Found"})
        user_id, token_name = match.group(1), match.group(2)
        if user_id not in self.users:
            raise user_error(f"User {user_id} not found")
        record = self.users[user_id]
        tokens = self.user_tokens.setdefault(user_id, {})
        if not path.endswith("access_token") and token_name is None:
            if method == "GET":
                return {"id": user_id, "created_at": record["created_at"], "created_by": record["created_by"],
                        "roles": [{"role_name": r, "assigned_by": record["created_by"],
                                   "assigned_at": record["created_at"]} for r in record["roles"]]}
            raise ApiError(405, {"detail": "Method Not Allowed"})
        if token_name is None:
            if method == "GET":
                return [{"token_name": name, "expires_at": t["expires_at"], "description": t["description"],
                         "roles": t["roles"]} for name, t in sorted(tokens.items())]
            raise ApiError(405, {"detail": "Method Not Allowed"})
        if method == "POST":
            expires_at = _one(query, "expires_at")
            if not expires_at or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", expires_at):
                raise ApiError(422, {"detail": [{"type": "missing", "loc": ["query", "expires_at"],
                                                 "msg": "Field required"}]})
            if token_name in tokens:
                raise user_error(f"Token {token_name} already exists for user {user_id}")
            roles = query.get("roles") or list(record["roles"])
            missing = [r for r in roles if r not in record["roles"]]
            if missing:
                raise user_error(f"Roles {', '.join(missing)} are not assigned to user {user_id}")
            token = secrets.token_urlsafe(32)
            tokens[token_name] = {"token": token, "expires_at": expires_at, "roles": roles,
                                  "description": _one(query, "description") or ""}
            self.access_tokens[token] = user_id
            return json.dumps(token)   # FastAPI's JSON encoding of a str response (strings are written as is)
        if method == "DELETE":
            removed = tokens.pop(token_name, None)
            if removed is None:
                raise user_error(f"Token {token_name} not found")
            self.access_tokens.pop(removed["token"], None)
            return None
        raise ApiError(405, {"detail": "Method Not Allowed"})

    def admin(self, method: str, path: str, body):
        json_type = "application/json"
        if path == "/_emulator/requests":
            if method == "DELETE":
                self.clear_requests()
                return 200, {"cleared": True}, json_type
            with self._log_lock:
                return 200, {"requests": list(self.requests)}, json_type
        if path == "/_emulator/failures":
            if method == "DELETE":
                self.store.failure_rules.clear()
            elif method == "POST":
                self.store.failure_rules.append(dict(body or {}))
            return 200, {"rules": self.store.failure_rules}, json_type
        if path == "/_emulator/timing" and method == "POST":
            for key, value in (body or {}).items():
                setattr(self.store.timing, key, float(value))
            return 200, vars(self.store.timing), json_type
        raise ApiError(404, {"detail": "Not Found"})


def _one(query: dict, key: str) -> str | None:
    values = query.get(key)
    return values[-1] if values else None


def _flag(query: dict, key: str) -> bool:
    return (_one(query, key) or "").lower() in ("true", "1", "yes")
