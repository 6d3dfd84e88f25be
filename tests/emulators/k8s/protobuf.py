"""Decoding of the Kubernetes protobuf encoding (``application/vnd.kubernetes.protobuf``) for the kinds that
clients send that way.

client-go's typed clientsets send built-in objects as protobuf since Kubernetes 1.32; Helm 3.17 writes its
release records (Secrets, or ConfigMaps with ``HELM_DRIVER=configmap``) through them and deletes them with
protobuf DeleteOptions. Only those kinds are decoded here; anything else is answered ``415`` by the API. The envelope is the 4-byte magic ``k8s\\0`` followed
by a ``runtime.Unknown`` (typeMeta, raw, contentEncoding, contentType) whose ``raw`` is the object's message.
"""

from __future__ import annotations

import base64

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"


class ProtobufError(ValueError):
    pass


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ProtobufError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def fields(data: bytes):
    """(field number, wire type, value) of every field; length-delimited values are bytes."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 1:
            value, pos = data[pos:pos + 8], pos + 8
        elif wire == 2:
            length, pos = _varint(data, pos)
            value, pos = data[pos:pos + length], pos + length
        elif wire == 5:
            value, pos = data[pos:pos + 4], pos + 4
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
        if pos > len(data):
            raise ProtobufError("truncated field")
        yield number, wire, value


def _text(value: bytes) -> str:
    return value.decode("utf-8")


def _entry(value: bytes) -> tuple[str, bytes]:
    key, item = "", b""
    for number, dummy, part in fields(value):
        if number == 1:
            key = _text(part)
        elif number == 2:
            item = part
    return key, item


def _object_meta(data: bytes) -> dict:
    # Go's zero values (empty strings, 0) are always on the wire; they mean "not set".
    strings = {1: "name", 2: "generateName", 3: "namespace", 5: "uid", 6: "resourceVersion"}
    meta: dict = {}
    for number, dummy, value in fields(data):
        if number in strings:
            if value:
                meta[strings[number]] = _text(value)
        elif number == 7:
            if value:
                meta["generation"] = value
        elif number in (11, 12):
            key, item = _entry(value)
            meta.setdefault("labels" if number == 11 else "annotations", {})[key] = _text(item)
        elif number == 14:
            meta.setdefault("finalizers", []).append(_text(value))
    return meta


def _secret(raw: bytes) -> dict:
    obj: dict = {"apiVersion": "v1", "kind": "Secret"}
    for number, dummy, value in fields(raw):
        if number == 1:
            obj["metadata"] = _object_meta(value)
        elif number == 2:
            key, item = _entry(value)
            obj.setdefault("data", {})[key] = base64.b64encode(item).decode()
        elif number == 3:
            if value:
                obj["type"] = _text(value)
        elif number == 4:
            key, item = _entry(value)
            obj.setdefault("stringData", {})[key] = _text(item)
        elif number == 5:
            obj["immutable"] = bool(value)
    return obj


def _config_map(raw: bytes) -> dict:
    obj: dict = {"apiVersion": "v1", "kind": "ConfigMap"}
    for number, dummy, value in fields(raw):
        if number == 1:
            obj["metadata"] = _object_meta(value)
        elif number == 2:
            key, item = _entry(value)
            obj.setdefault("data", {})[key] = _text(item)
        elif number == 3:
            key, item = _entry(value)
            obj.setdefault("binaryData", {})[key] = base64.b64encode(item).decode()
        elif number == 4:
            obj["immutable"] = bool(value)
    return obj


def _delete_options(raw: bytes) -> dict:
    options: dict = {}
    for number, dummy, value in fields(raw):
        if number == 1:
            options["gracePeriodSeconds"] = value
        elif number == 2:
            pre = {("uid", "resourceVersion")[n - 1]: _text(v) for n, dummy, v in fields(value) if n in (1, 2) and v}
            if pre:
                options["preconditions"] = pre
        elif number == 3:
            options["orphanDependents"] = bool(value)
        elif number == 4 and value:
            options["propagationPolicy"] = _text(value)
        elif number == 5:
            options.setdefault("dryRun", []).append(_text(value))
    return options


DECODERS = {("v1", "Secret"): _secret, ("v1", "ConfigMap"): _config_map,
            ("meta.k8s.io/v1", "DeleteOptions"): _delete_options, ("v1", "DeleteOptions"): _delete_options}


def decode(body: bytes) -> dict:
    """The JSON form of a protobuf-encoded Secret or ConfigMap; ProtobufError for anything else."""
    if not body.startswith(MAGIC):
        raise ProtobufError("the body does not start with the k8s protobuf magic number")
    type_meta, raw = {}, b""
    for number, dummy, value in fields(body[len(MAGIC):]):
        if number == 1:
            type_meta = {("apiVersion", "kind")[n - 1]: _text(v) for n, dummy, v in fields(value) if n in (1, 2)}
        elif number == 2:
            raw = value
        elif number == 3 and value:
            raise ProtobufError(f"content encoding {_text(value)!r} is not supported")
    key = (type_meta.get("apiVersion"), type_meta.get("kind"))
    if key not in DECODERS:
        raise ProtobufError(f"{key[1] or 'this kind'} ({key[0]}) is only accepted as JSON here")
    return DECODERS[key](raw)
