"""The Kubernetes emulator's protobuf request decoding (Secrets, ConfigMaps, DeleteOptions - what Helm sends)."""

from __future__ import annotations

import base64

import pytest

from emulators.k8s import protobuf


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, value) -> bytes:
    if isinstance(value, int):
        return _varint(number << 3) + _varint(value)
    data = value.encode() if isinstance(value, str) else value
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _entry(number, key, value):
    return _field(number, _field(1, key) + _field(2, value))


def _envelope(api_version, kind, raw):
    return protobuf.MAGIC + _field(1, _field(1, api_version) + _field(2, kind)) + _field(2, raw) + _field(3, "") \
        + _field(4, "")


def test_secret_as_helm_sends_it():
    meta = _field(1, "sh.helm.release.v1.demo.v1") + _field(2, "") + _field(3, "") + _field(6, "") + _field(7, 0) \
        + _entry(11, "owner", "helm") + _entry(11, "status", "deployed")
    raw = _field(1, meta) + _entry(2, "release", b"\x00\x9b binary") + _field(3, "helm.sh/release.v1")
    decoded = protobuf.decode(_envelope("v1", "Secret", raw))
    assert decoded == {"apiVersion": "v1", "kind": "Secret",
                       "metadata": {"name": "sh.helm.release.v1.demo.v1",
                                    "labels": {"owner": "helm", "status": "deployed"}},
                       "data": {"release": base64.b64encode(b"\x00\x9b binary").decode()},
                       "type": "helm.sh/release.v1"}


def test_config_map_and_delete_options():
    cm = protobuf.decode(_envelope("v1", "ConfigMap", _field(1, _field(1, "cm")) + _entry(2, "k", "v")))
    assert cm["data"] == {"k": "v"} and cm["metadata"] == {"name": "cm"}
    options = protobuf.decode(_envelope("meta.k8s.io/v1", "DeleteOptions",
                                        _field(2, _field(2, "42")) + _field(4, "Background")))
    assert options == {"preconditions": {"resourceVersion": "42"}, "propagationPolicy": "Background"}


def test_other_kinds_and_garbage_are_refused():
    with pytest.raises(protobuf.ProtobufError, match="Deployment"):
        protobuf.decode(_envelope("apps/v1", "Deployment", b""))
    with pytest.raises(protobuf.ProtobufError, match="magic"):
        protobuf.decode(b"{}")
    with pytest.raises(protobuf.ProtobufError):
        protobuf.decode(protobuf.MAGIC + b"\x0a\xff")
