"""HTTP front of the AWX emulator: /api/v2/ resources, named look-ups, pagination, associations, surveys."""

from __future__ import annotations

import base64
import copy
import json
import os
import pathlib
import re
import secrets
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import yaml

from .resources import ASSOCIATIONS, KINDS, SURVEY_KINDS, UNIFIED, field_errors

VERSION = "24.6.1"
PAGE_SIZE = 25
MAX_PAGE_SIZE = 200
SURVEY_TYPES = {"multiplechoice": (str,), "multiselect": (str,), "text": (str,), "textarea": (str,),
                "password": (str,), "integer": (int,), "float": (float, int)}
MUTATING = ("POST", "PUT", "PATCH", "DELETE")
# Folders a project update does not look into for playbooks (role, test and inventory content, installs).
SKIPPED_FOLDERS = {"tests", "roles", "inventories", "extensions", "node_modules", "__pycache__"}


class ApiError(Exception):
    def __init__(self, status: int, body):
        super().__init__(str(body))
        self.status, self.body = status, body


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())


class AwxEmulator:
    """An AWX controller on loopback. ``tokens`` are accepted bearer tokens; ``users`` maps user -> password for
    basic auth and POST /api/v2/tokens/. ``project_dir`` is what a project update "checks out": its playbooks
    become the project's ``playbooks`` list, which job templates are validated against."""

    def __init__(self, host="127.0.0.1", port=0, tokens=("awx-emulator-token",), users=None,
                 project_dir: str | pathlib.Path | None = None, ssl_context: ssl.SSLContext | None = None,
                 update_seconds: float = 0.3):
        self.tokens = set(tokens)
        self.users = dict(users or {"admin": "password"})
        self.project_dir = pathlib.Path(project_dir) if project_dir else None
        self.update_seconds = update_seconds
        self.lock = threading.RLock()
        self.store: dict[str, dict[int, dict]] = {kind: {} for kind in KINDS}
        self.store["project_updates"] = {}
        self.associations: dict[tuple, list] = {}
        self.surveys: dict[tuple, dict] = {}
        self.next_id = 1
        self.requests: list[dict] = []
        self.issued_tokens: dict[int, str] = {}
        self._create("organizations", {"name": "Default", "description": "The default organization"})
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self.scheme = "http"
        if ssl_context is not None:
            self._server.socket = ssl_context.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"

    # -- lifecycle ----------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self) -> "AwxEmulator":
        threading.Thread(target=self._server.serve_forever, name="awx-emulator", daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- request log --------------------------------------------------------------------
    def requests_to(self, method=None, path=None) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if (method is None or r["method"] == method)
                    and (path is None or re.fullmatch(path, r["path"]))]

    def mutating_requests(self) -> list[dict]:
        return [r for r in self.requests_to() if r["method"] in MUTATING and not r["path"].startswith("/api/v2/tokens/")]

    def clear_requests(self) -> None:
        with self.lock:
            self.requests.clear()

    # -- objects ------------------------------------------------------------------------
    def objects(self, kind: str) -> list[dict]:
        with self.lock:
            return [self.render(kind, item) for item in self.store[kind].values()]

    def find(self, kind: str, **fields) -> dict | None:
        matches = [o for o in self.objects(kind) if all(o.get(k) == v for k, v in fields.items())]
        return matches[0] if matches else None

    def survey(self, kind: str, pk: int) -> dict:
        return copy.deepcopy(self.surveys.get((kind, pk), {}))

    def associated(self, kind: str, pk: int, relation: str) -> list[int]:
        return list(self.associations.get((kind, pk, relation), []))

    def lookup(self, kind: str, pk: int):
        if kind == "unified_job_templates":
            return next((self.store[k][pk] for k in UNIFIED if pk in self.store[k]), None)
        return self.store.get(kind, {}).get(pk)

    def _create(self, kind: str, data: dict) -> dict:
        spec = KINDS[kind]
        item = {field: copy.deepcopy(default) for field, (unused, default) in spec["fields"].items()}
        item.update(copy.deepcopy(spec.get("read_only", {})))
        item.update({k: copy.deepcopy(v) for k, v in data.items() if k in spec["fields"]})
        for field in spec.get("null_to_blank", ()):
            if item.get(field) is None:
                item[field] = ""
        item["id"] = self.next_id
        self.next_id += 1
        item["created"] = item["modified"] = _now()
        self.store[kind][item["id"]] = item
        self._derive(kind, item)
        return item

    def _derive(self, kind: str, item: dict) -> None:
        if kind == "job_templates" and item.get("project"):
            item["organization"] = self.store["projects"][item["project"]]["organization"]

    def render(self, kind: str, item: dict) -> dict:
        body = copy.deepcopy(item)
        spec = KINDS.get(kind, {})
        body["type"] = spec.get("type", kind.rstrip("s"))
        body["url"] = f"/api/v2/{kind}/{item['id']}/"
        related = {rel: f"/api/v2/{kind}/{item['id']}/{rel}/" for rel in ASSOCIATIONS.get(kind, {})}
        summary: dict = {}
        if kind in SURVEY_KINDS:
            related["survey_spec"] = f"/api/v2/{kind}/{item['id']}/survey_spec/"
        if kind == "projects":
            related["update"] = f"/api/v2/projects/{item['id']}/update/"
            update = self.store["project_updates"].get(item.get("_current_update"))
            if update is not None:
                self._advance(update)
                if update["status"] in ("pending", "waiting", "running"):
                    summary["current_update"] = {"id": update["id"], "status": update["status"]}
                summary["last_update"] = {"id": update["id"], "status": update["status"]}
            body["status"] = update["status"] if update else "never updated"
            body["scm_revision"] = item.get("_scm_revision", "")
            body["playbooks"] = list(item.get("_playbooks", []))
        if kind == "workflow_job_template_nodes":
            ujt = item.get("unified_job_template")
            if ujt:
                related["unified_job_template"] = self._ujt_url(ujt)
        for field, (types, unused) in spec.get("fields", {}).items():
            if isinstance(types, str) and item.get(field) and field != "unified_job_template":
                target = types.split(":", 1)[1]
                related[field] = f"/api/v2/{target}/{item[field]}/"
                obj = self.lookup(target, item[field])
                if obj is not None:
                    summary[field] = {"id": obj["id"], "name": obj.get("name", obj.get("identifier"))}
        body["related"], body["summary_fields"] = related, summary
        return {k: v for k, v in body.items() if not k.startswith("_")}

    def _ujt_url(self, pk: int) -> str:
        kind = next(k for k in UNIFIED if pk in self.store[k])
        return f"/api/v2/{kind}/{pk}/"

    # -- project updates ----------------------------------------------------------------
    def _launch_update(self, project: dict) -> dict:
        update = {"id": self.next_id, "project": project["id"], "status": "pending", "started": time.time(),
                  "failed": False, "finished": None}
        self.next_id += 1
        self.store["project_updates"][update["id"]] = update
        project["_current_update"] = update["id"]
        return update

    def _advance(self, update: dict) -> None:
        if update["status"] not in ("pending", "running"):
            return
        elapsed = time.time() - update["started"]
        if elapsed < self.update_seconds / 2:
            return
        if elapsed < self.update_seconds:
            update["status"] = "running"
            return
        project = self.store["projects"][update["project"]]
        update["status"], update["finished"] = "successful", _now()
        project["_playbooks"] = self._playbooks()
        project["_scm_revision"] = "0" * 39 + "1"

    def _playbooks(self) -> list[str]:
        """Playbooks in the checkout. Hidden folders and folders that hold no playbooks are pruned before they
        are entered: walking a virtualenv or node_modules under the lock would stall every other request."""
        if self.project_dir is None:
            return []
        found = []
        for dirpath, dirnames, filenames in os.walk(self.project_dir):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIPPED_FOLDERS)
            for name in sorted(filenames):
                if name.endswith(".yml") and self._is_playbook(pathlib.Path(dirpath, name)):
                    found.append(str(pathlib.Path(dirpath, name).relative_to(self.project_dir)))
        return sorted(found)

    @staticmethod
    def _is_playbook(path: pathlib.Path) -> bool:
        try:
            data = yaml.safe_load(path.read_text())
        except (yaml.YAMLError, UnicodeDecodeError, OSError):
            return False
        return isinstance(data, list) and bool(data) and all(
            isinstance(p, dict) and ("hosts" in p or "import_playbook" in p or "ansible.builtin.import_playbook" in p)
            for p in data)

    def render_update(self, update: dict) -> dict:
        self._advance(update)
        done = update["status"] not in ("pending", "waiting", "running")
        return {"id": update["id"], "type": "project_update", "url": f"/api/v2/project_updates/{update['id']}/",
                "project": update["project"], "status": update["status"], "failed": update["status"] == "failed",
                "finished": update["finished"] if done else None, "scm_revision": "0" * 39 + "1" if done else ""}

    # -- HTTP -----------------------------------------------------------------------------
    def _handler_class(self):
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _dispatch(self, method):
                parts = urlsplit(self.path)
                query = parse_qs(parts.query, keep_blank_values=True)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = None
                entry = {"method": method, "path": parts.path, "query": {k: v if len(v) > 1 else v[0] for k, v in query.items()},
                         "auth": "bearer" if (self.headers.get("Authorization") or "").startswith("Bearer ") else
                         ("basic" if self.headers.get("Authorization") else None)}
                try:
                    if raw:
                        try:
                            body = json.loads(raw)
                        except ValueError as exc:
                            raise ApiError(400, {"detail": f"JSON parse error - {exc}"})
                    entry["body"] = body
                    status, payload = emulator.handle(method, parts.path, query, body, self.headers.get("Authorization"))
                except ApiError as exc:
                    status, payload = exc.status, exc.body
                entry["status"] = status
                if not parts.path.startswith("/_emulator/"):
                    with emulator.lock:
                        emulator.requests.append(entry)
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("X-API-Product-Name", "AWX")
                self.send_header("X-API-Product-Version", VERSION)
                self.end_headers()
                if data and method != "HEAD":
                    self.wfile.write(data)

            def do_GET(self):  # noqa: N802
                self._dispatch("GET")

            def do_HEAD(self):  # noqa: N802
                self._dispatch("HEAD")

            def do_POST(self):  # noqa: N802
                self._dispatch("POST")

            def do_PATCH(self):  # noqa: N802
                self._dispatch("PATCH")

            def do_PUT(self):  # noqa: N802
                self._dispatch("PUT")

            def do_DELETE(self):  # noqa: N802
                self._dispatch("DELETE")

        return Handler

    def authenticate(self, header: str | None, path: str) -> str:
        if header and header.startswith("Bearer "):
            if header[7:].strip() in self.tokens:
                return "admin"
            raise ApiError(401, {"detail": "Authentication credentials were not provided."})
        if header and header.startswith("Basic "):
            user, unused_sep, password = base64.b64decode(header[6:]).decode().partition(":")
            if self.users.get(user) == password:
                return user
            raise ApiError(401, {"detail": "Invalid username/password."})
        if path in ("/api/", "/api/v2/", "/api/v2/ping/"):
            return ""
        raise ApiError(401, {"detail": "Authentication credentials were not provided."})

    def handle(self, method: str, path: str, query: dict, body, auth_header):
        if path.startswith("/_emulator/"):
            return self._admin(method, path)
        if not path.endswith("/"):
            raise ApiError(404, {"detail": "Not found."})
        self.authenticate(auth_header, path)
        segments = [s for s in path.split("/") if s]
        if segments[:2] != ["api", "v2"]:
            raise ApiError(404, {"detail": "Not found."})
        rest = segments[2:]
        with self.lock:
            return self._route(method, rest, query, body)

    def _route(self, method, rest, query, body):
        if not rest:
            return 200, {kind: f"/api/v2/{kind}/" for kind in list(KINDS) + ["ping", "config", "me", "unified_job_templates"]}
        head = rest[0]
        if rest == ["ping"]:
            return 200, {"version": VERSION, "active_node": "awx-emulator", "ha": False, "instances": [], "instance_groups": []}
        if rest == ["config"]:
            return 200, {"version": VERSION, "ansible_version": "2.19", "license_info": {}, "project_base_dir": "/var/lib/awx/projects"}
        if rest == ["me"]:
            return 200, self._page([{"id": 1, "type": "user", "username": "admin", "is_superuser": True}], {}, "/api/v2/me/")
        if head == "tokens":
            return self._tokens(method, rest)
        if head == "project_updates" and len(rest) == 2 and method == "GET":
            update = self.store["project_updates"].get(self._pk(rest[1]))
            if update is None:
                raise ApiError(404, {"detail": "Not found."})
            return 200, self.render_update(update)
        if head == "unified_job_templates" and len(rest) == 1 and method == "GET":
            items = [self.render(k, i) for k in UNIFIED for i in self.store[k].values()]
            return 200, self._page(self._filter(items, query, "unified_job_templates"), query, "/api/v2/unified_job_templates/")
        if head not in KINDS:
            raise ApiError(404, {"detail": "Not found."})
        if len(rest) == 1:
            if method == "GET":
                items = [self.render(head, i) for i in self.store[head].values()]
                return 200, self._page(self._filter(items, query, head), query, f"/api/v2/{head}/")
            if method == "POST":
                return self._post(head, body)
            raise ApiError(405, {"detail": f'Method "{method}" not allowed.'})
        item = self._named_or_pk(head, rest[1])
        if len(rest) == 2:
            if method == "GET":
                return 200, self.render(head, item)
            if method in ("PATCH", "PUT"):
                return self._patch(head, item, body or {})
            if method == "DELETE":
                del self.store[head][item["id"]]
                return 204, None
            raise ApiError(405, {"detail": f'Method "{method}" not allowed.'})
        relation = rest[2]
        if relation == "survey_spec" and head in SURVEY_KINDS:
            return self._survey(method, head, item, body)
        if relation == "update" and head == "projects":
            if method == "GET":
                return 200, {"can_update": bool(item["scm_type"])}
            update = self._launch_update(item)
            return 202, {"id": update["id"], "project_update": update["id"], "url": f"/api/v2/project_updates/{update['id']}/"}
        if relation in ASSOCIATIONS.get(head, {}):
            return self._association(method, head, item, relation, body, query)
        raise ApiError(404, {"detail": "Not found."})

    def _tokens(self, method, rest):
        if method == "POST" and len(rest) == 1:
            token = secrets.token_urlsafe(24)
            pk = self.next_id
            self.next_id += 1
            self.tokens.add(token)
            self.issued_tokens[pk] = token
            return 201, {"id": pk, "token": token, "type": "o_auth2_access_token", "scope": "write"}
        if method == "DELETE" and len(rest) == 2:
            token = self.issued_tokens.pop(self._pk(rest[1]), None)
            if token is None:
                raise ApiError(404, {"detail": "Not found."})
            self.tokens.discard(token)
            return 204, None
        raise ApiError(405, {"detail": f'Method "{method}" not allowed.'})

    @staticmethod
    def _pk(text: str) -> int:
        if not text.isdigit():
            raise ApiError(404, {"detail": "Not found."})
        return int(text)

    def _named_or_pk(self, kind, key):
        if key.isdigit():
            item = self.store[kind].get(int(key))
        else:
            # named URLs: <name>++<organization name> (organization-scoped kinds) or <name>
            name, unused_sep, org = key.partition("++")
            candidates = [i for i in self.store[kind].values() if i.get("name") == name]
            if org:
                candidates = [i for i in candidates if i.get("organization")
                              and self.store["organizations"][i["organization"]]["name"] == org]
            item = candidates[0] if len(candidates) == 1 else None
        if item is None:
            raise ApiError(404, {"detail": "Not found."})
        return item

    def _filter(self, items, query, kind):
        result = items
        ors = {k[4:]: v for k, v in query.items() if k.startswith("or__")}
        if ors:
            result = [i for i in result if any(str(i.get(f)) in vals for f, vals in ors.items())]
        for key, values in query.items():
            if key in ("page", "page_size", "order_by") or key.startswith("or__"):
                continue
            field = key[:-6] if key.endswith("__iexact") else key
            known = {"id", "name", "type"} | set(KINDS.get(kind, {}).get("fields", {})) | set(KINDS.get(kind, {}).get("read_only", {}))
            if kind == "unified_job_templates":
                known |= {"organization"}
            if field not in known:
                raise ApiError(400, {"detail": f"Cannot resolve keyword '{field}' into field."})
            wanted = values[-1]
            if key.endswith("__iexact"):
                result = [i for i in result if str(i.get(field) or "").lower() == wanted.lower()]
            else:
                result = [i for i in result if ("" if i.get(field) is None else str(i.get(field))) == wanted]
        return sorted(result, key=lambda i: i["id"])

    @staticmethod
    def _page(items, query, base):
        try:
            size = int((query.get("page_size") or [PAGE_SIZE])[-1])
            page = int((query.get("page") or [1])[-1])
        except ValueError:
            raise ApiError(400, {"detail": "Invalid page."})
        size = max(1, min(size, MAX_PAGE_SIZE))
        start = (page - 1) * size
        if page < 1 or (start >= len(items) and page != 1):
            raise ApiError(404, {"detail": "Invalid page."})
        keep = {k: v[-1] for k, v in query.items() if k != "page"}

        def link(number):
            params = "&".join(f"{k}={v}" for k, v in {**keep, "page": number}.items())
            return f"{base}?{params}"

        return {"count": len(items), "next": link(page + 1) if start + size < len(items) else None,
                "previous": link(page - 1) if page > 1 else None, "results": items[start:start + size]}

    def _unique_error(self, kind, item, pk=None):
        keys = KINDS[kind]["unique"]
        for other in self.store[kind].values():
            if other["id"] != pk and all(other.get(k) == item.get(k) for k in keys):
                label = KINDS[kind]["type"].replace("_", " ").title()
                fields = " and ".join(k.replace("_", " ").title() for k in keys)
                return {"__all__": [f"{label} with this {fields} already exists."]}
        return None

    def _post(self, kind, body):
        if not isinstance(body, dict):
            raise ApiError(400, {"detail": "Expected a JSON object."})
        errors = field_errors(kind, body, None, self.lookup)
        if errors:
            raise ApiError(400, errors)
        candidate = {**{f: d for f, (unused, d) in KINDS[kind]["fields"].items()}, **body}
        if kind == "job_templates":
            self._check_playbook(candidate)
            candidate["organization"] = self.store["projects"][candidate["project"]]["organization"]
        if kind == "workflow_job_template_nodes" and not candidate.get("identifier"):
            body = {**body, "identifier": secrets.token_hex(16)}
            candidate["identifier"] = body["identifier"]
        conflict = self._unique_error(kind, candidate)
        if conflict:
            raise ApiError(400, conflict)
        item = self._create(kind, body)
        if kind == "projects" and item["scm_type"]:
            self._launch_update(item)
        return 201, self.render(kind, item)

    def _check_playbook(self, item):
        project = self.store["projects"].get(item.get("project"))
        if project is None:
            return
        if item.get("playbook") not in project.get("_playbooks", []):
            raise ApiError(400, {"playbook": ["Playbook not found for project."]})

    def _patch(self, kind, item, body):
        errors = field_errors(kind, body, item, self.lookup)
        if errors:
            raise ApiError(400, errors)
        candidate = {**item, **{k: v for k, v in body.items() if k in KINDS[kind]["fields"]}}
        for field in KINDS[kind].get("null_to_blank", ()):
            if candidate.get(field) is None:
                candidate[field] = ""
        if kind == "job_templates" and ("playbook" in body or "project" in body):
            self._check_playbook(candidate)
        conflict = self._unique_error(kind, candidate, item["id"])
        if conflict:
            raise ApiError(400, conflict)
        scm_changed = kind == "projects" and any(candidate.get(k) != item.get(k) for k in ("scm_type", "scm_url", "scm_branch", "scm_refspec"))
        if candidate != item:
            candidate["modified"] = _now()
        item.clear()
        item.update(candidate)
        self._derive(kind, item)
        if scm_changed and item["scm_type"]:
            self._launch_update(item)
        return 200, self.render(kind, item)

    def _association(self, method, kind, item, relation, body, query):
        key = (kind, item["id"], relation)
        members = self.associations.setdefault(key, [])
        target = ASSOCIATIONS[kind][relation]
        if method == "GET":
            items = [self.render(target, self.store[target][pk]) for pk in members if pk in self.store.get(target, {})]
            return 200, self._page(items, query, f"/api/v2/{kind}/{item['id']}/{relation}/")
        if method != "POST":
            raise ApiError(405, {"detail": f'Method "{method}" not allowed.'})
        if not isinstance(body, dict) or not isinstance(body.get("id"), int):
            raise ApiError(400, {"msg": "Related object id is required."})
        if body["id"] not in self.store.get(target, {}):
            raise ApiError(400, {"msg": f"Object with id {body['id']} not found."})
        if body.get("disassociate"):
            if body["id"] in members:
                members.remove(body["id"])
        else:
            if relation.endswith("_nodes") and self.store[target][body["id"]]["workflow_job_template"] != item["workflow_job_template"]:
                raise ApiError(400, {"error": "Cannot associate nodes of different workflows."})
            if body["id"] not in members:
                members.append(body["id"])
        return 204, None

    def _survey(self, method, kind, item, body):
        key = (kind, item["id"])
        if method == "GET":
            return 200, copy.deepcopy(self.surveys.get(key, {}))
        if method == "DELETE":
            self.surveys.pop(key, None)
            return 200, None
        if method != "POST":
            raise ApiError(405, {"detail": f'Method "{method}" not allowed.'})
        error = survey_error(body)
        if error:
            raise ApiError(400, {"error": error})
        self.surveys[key] = copy.deepcopy(body)
        return 200, None

    def _admin(self, method, path):
        if path == "/_emulator/requests":
            if method == "DELETE":
                self.clear_requests()
                return 204, None
            return 200, self.requests_to()
        raise ApiError(404, {"detail": "Not found."})


def survey_error(spec) -> str | None:
    """The first problem AWX's survey_spec endpoint reports (HTTP 400 {"error": ...}), or None."""
    if not isinstance(spec, dict):
        return "Survey spec must be a JSON object."
    for field, kind, label in (("name", str, "string"), ("description", str, "string"), ("spec", list, "list of items")):
        if field not in spec:
            return f"Field '{field}' is missing from survey spec."
        if not isinstance(spec[field], kind):
            return f"Expected {label} for field '{field}', received {type(spec[field]).__name__} type."
    if not spec["spec"]:
        return "'spec' doesn't contain any items."
    variables = set()
    for idx, item in enumerate(spec["spec"]):
        if not isinstance(item, dict):
            return f"Survey question {idx} is not a json object."
        for field in ("type", "question_name", "variable", "required"):
            if field not in item:
                return f"'{field}' missing from survey question {idx}"
            expected = bool if field == "required" else str
            if not isinstance(item[field], expected):
                return f"'{field}' in survey question {idx} expected to be {'boolean' if expected is bool else 'string'}."
        if item["variable"] in variables:
            return f"'variable' '{item['variable']}' duplicated in survey question {idx}."
        variables.add(item["variable"])
        qtype = item["type"]
        if qtype not in SURVEY_TYPES:
            return f"'{qtype}' in survey question {idx} is not one of '{', '.join(SURVEY_TYPES)}' allowed question types."
        default = item.get("default", "")
        if default != "" and (not isinstance(default, SURVEY_TYPES[qtype]) or isinstance(default, bool)):
            return f"Default value {default} in survey question {idx} expected to be {qtype if qtype in ('integer', 'float') else 'string'}."
        for bound in ("min", "max"):
            if item.get(bound) is not None and (not isinstance(item[bound], int) or isinstance(item[bound], bool)):
                return f"The {bound} limit in survey question {idx} expected to be integer."
        if qtype in ("multiselect", "multiplechoice"):
            if "choices" not in item:
                return f"Survey question {idx} of type {qtype} must specify choices."
            choices = item["choices"]
            choice_list = [c for c in choices.splitlines() if c.strip()] if isinstance(choices, str) else choices
            if "default" in item and default != "":
                defaults = [d for d in default.splitlines() if d.strip()] if isinstance(default, str) else default
                if qtype == "multiplechoice" and len(defaults) > 1:
                    return "Multiple Choice (Single Select) can only have one default value."
                if any(d not in choice_list for d in defaults):
                    return "Default choice must be answered from the choices listed."
        if isinstance(default, str) and default.startswith("$encrypted$"):
            return f"$encrypted$ is a reserved keyword, may not be used for new default in position {idx}."
    return None
