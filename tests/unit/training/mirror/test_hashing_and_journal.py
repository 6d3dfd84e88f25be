import hashlib
import io

import pytest

from robotics_training.mirror.errors import ChecksumError
from robotics_training.mirror.hashing import HashingReader, content_hash, drain, fingerprint
from robotics_training.mirror.journal import Entry, Journal


class Trickle(io.RawIOBase):
    """A stream that returns at most 3 bytes per read, like a slow socket."""

    def __init__(self, data):
        self._data = io.BytesIO(data)

    def read(self, n=-1):
        return self._data.read(3 if n is None or n < 0 else min(n, 3))


def test_the_reader_fills_each_read_and_digests_exactly_what_passed():
    data = bytes(range(256)) * 40
    reader = HashingReader(Trickle(data), expected_size=len(data))
    assert reader.read(100) == data[:100] and not reader.seekable()
    digest = drain(reader)
    assert digest.sha256 == hashlib.sha256(data).hexdigest()
    assert digest.md5 == hashlib.md5(data).digest() and digest.size == len(data)


def test_a_short_stream_is_a_checksum_error():
    with pytest.raises(ChecksumError, match="read 3 bytes, the source listed 10"):
        drain(HashingReader(io.BytesIO(b"abc"), expected_size=10, name="x"))


def test_content_hash_ignores_order_and_sees_every_byte():
    a = [("model/a", "11", 1), ("model/b", "22", 2)]
    assert content_hash(a) == content_hash(list(reversed(a)))
    assert content_hash(a) != content_hash([("model/a", "11", 1), ("model/b", "23", 2)])
    assert fingerprint([("a", 1, "v1")], "rsl_rl") != fingerprint([("a", 1, "v2")], "rsl_rl")


def test_the_journal_survives_a_torn_last_line(tmp_path):
    journal = Journal(str(tmp_path), "http://mlflow", "run1")
    journal.record(Entry("model/a", "s" * 64, "m" * 32, 5, "v1"))
    with open(journal.path, "a") as handle:
        handle.write('{"artifact": "model/b", "sha')  # killed mid-write
    again = Journal(str(tmp_path), "http://mlflow", "run1")
    assert list(again.entries) == ["model/a"] and again.get("model/a").size == 5
    assert Journal(str(tmp_path), "http://other", "run1").entries == {}  # one journal per target
    again.remove()
    assert Journal(str(tmp_path), "http://mlflow", "run1").entries == {}
