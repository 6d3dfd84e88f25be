"""API errors with the Status bodies the real API server sends (metav1.Status)."""

from __future__ import annotations


def status_body(code: int, reason: str, message: str, details: dict | None = None) -> dict:
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}
    if details is not None:
        body["details"] = details
    return body


def success_body(name: str, kind: str, group: str = "", uid: str | None = None) -> dict:
    details = {"name": name, "kind": kind}
    if group:
        details["group"] = group
    if uid:
        details["uid"] = uid
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}


class ApiError(Exception):
    def __init__(self, code: int, reason: str, message: str, details: dict | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    @property
    def body(self) -> dict:
        return status_body(self.code, self.reason, self.message, self.details)

    # -- the errors the emulator raises, worded like the API server ---------------------------------------------
    @staticmethod
    def _details(name, rtype):
        details = {"name": name, "kind": rtype.plural} if name is not None else {"kind": rtype.plural}
        if rtype.group:
            details["group"] = rtype.group
        return details

    @classmethod
    def not_found(cls, rtype, name):
        resource = f"{rtype.plural}.{rtype.group}" if rtype.group else rtype.plural
        return cls(404, "NotFound", f'{resource} "{name}" not found', cls._details(name, rtype))

    @classmethod
    def no_route(cls):
        return cls(404, "NotFound", "the server could not find the requested resource", {})

    @classmethod
    def already_exists(cls, rtype, name):
        resource = f"{rtype.plural}.{rtype.group}" if rtype.group else rtype.plural
        return cls(409, "AlreadyExists", f'{resource} "{name}" already exists', cls._details(name, rtype))

    @classmethod
    def conflict(cls, rtype, name, why="the object has been modified; please apply your changes to the latest "
                                      "version and try again"):
        resource = f"{rtype.plural}.{rtype.group}" if rtype.group else rtype.plural
        return cls(409, "Conflict", f'Operation cannot be fulfilled on {resource} "{name}": {why}',
                   cls._details(name, rtype))

    @classmethod
    def apply_conflict(cls, conflicts):
        """conflicts: [(manager, field)] -> the FieldManagerConflict error of server-side apply."""
        causes = [{"reason": "FieldManagerConflict", "message": f'conflict with "{m}": {f}', "field": f}
                  for m, f in conflicts]
        lines = "\n".join(f'- conflict with "{m}": {f}' for m, f in conflicts)
        noun = "conflict" if len(conflicts) == 1 else "conflicts"
        message = f"Apply failed with {len(conflicts)} {noun}: " + (
            causes[0]["message"] if len(conflicts) == 1 else "\n" + lines)
        return cls(409, "Conflict", message, {"causes": causes})

    @classmethod
    def invalid(cls, rtype, name, causes):
        """causes: [(field, reason, message)] -> 422 Invalid, e.g. ('spec.replicas', 'FieldValueInvalid', ...)."""
        parts = [f"{field}: {msg}" if field else msg for field, _, msg in causes]
        summary = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
        details = {"name": name, "kind": rtype.kind,
                   "causes": [{"reason": r, "message": m, "field": f} for f, r, m in causes]}
        if rtype.group:
            details["group"] = rtype.group
        resource = f"{rtype.kind}.{rtype.group}" if rtype.group else rtype.kind
        return cls(422, "Invalid", f'{resource} "{name}" is invalid: {summary}', details)

    @classmethod
    def bad_request(cls, message):
        return cls(400, "BadRequest", message)

    @classmethod
    def unsupported_media_type(cls, content_type, accepted):
        return cls(415, "UnsupportedMediaType",
                   f"the body of the request was in an unknown format - accepted media types include: "
                   f"{', '.join(accepted)}")

    @classmethod
    def method_not_allowed(cls):
        return cls(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")

    @classmethod
    def forbidden(cls, message, rtype=None, name=None):
        return cls(403, "Forbidden", message, cls._details(name, rtype) if rtype else None)

    @classmethod
    def unauthorized(cls):
        return cls(401, "Unauthorized", "Unauthorized")

    @classmethod
    def gone(cls, message):
        return cls(410, "Expired", message)
