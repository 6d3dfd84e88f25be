"""The object store: objects by group/resource, one resourceVersion counter, and the event history watches read.

Every write bumps the global resourceVersion (like etcd's revision) and appends a watch event. The history is
bounded; a watch that resumes from a version older than the history gets 410 Gone, as on a real server.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import threading


def clone(obj):
    """A deep copy of JSON-shaped data (several times faster than copy.deepcopy on API objects)."""
    return json.loads(json.dumps(obj, default=str))


@dataclasses.dataclass
class Event:
    rv: int
    key: tuple            # (group, plural)
    namespace: str | None
    type: str             # ADDED | MODIFIED | DELETED
    obj: dict
    old: dict | None


class Store:
    def __init__(self, history: int = 50000):
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._objects: dict[tuple, dict] = collections.defaultdict(dict)   # key -> {(ns, name): obj}
        self._owners: dict[str, set] = collections.defaultdict(set)         # owner uid -> {(key, ns, name)}
        self._events: collections.deque = collections.deque(maxlen=history)
        self._rv = 1000
        self.closed = False

    @property
    def resource_version(self) -> int:
        with self.lock:
            return self._rv

    @property
    def oldest_event_rv(self) -> int:
        with self.lock:
            return self._events[0].rv if self._events else self._rv

    # -- reads (copies) -------------------------------------------------------------------------------------------
    def get(self, key, namespace, name):
        with self.lock:
            obj = self._objects[key].get((namespace, name))
            return clone(obj) if obj is not None else None

    def peek(self, key, namespace, name):
        """The stored object itself (no copy): for controllers that only read under the lock."""
        return self._objects[key].get((namespace, name))

    def list(self, key, namespace=None) -> tuple:
        with self.lock:
            items = [clone(o) for (ns, _), o in sorted(self._objects[key].items(), key=lambda kv: kv[0])
                     if namespace is None or ns == namespace]
            return items, self._rv

    def select(self, key, predicate) -> list:
        """Copies of the objects of ``key`` for which ``predicate(obj)`` holds (the predicate sees the original)."""
        with self.lock:
            return [clone(o) for o in self._objects[key].values() if predicate(o)]

    def keys(self) -> list:
        with self.lock:
            return [k for k, objs in self._objects.items() if objs]

    def namespaced_in(self, namespace) -> list:
        with self.lock:
            return [(key, ns, name) for key, objs in self._objects.items() for (ns, name) in objs if ns == namespace]

    def dependents(self, owner_uid) -> list:
        with self.lock:
            return sorted(self._owners.get(owner_uid, ()))

    # -- writes ---------------------------------------------------------------------------------------------------
    def _index(self, key, obj, add: bool):
        meta = obj.get("metadata") or {}
        ref = (key, meta.get("namespace"), meta["name"])
        for owner in meta.get("ownerReferences") or []:
            if add:
                self._owners[owner["uid"]].add(ref)
            else:
                self._owners[owner["uid"]].discard(ref)
                if not self._owners[owner["uid"]]:
                    del self._owners[owner["uid"]]

    def _emit(self, key, namespace, etype, obj, old):
        # stored objects are never mutated in place (writes replace them), so events may share them
        self._events.append(Event(self._rv, key, namespace, etype, obj, old))
        self.changed.notify_all()

    def put(self, key, obj, old=None, result=True) -> dict | None:
        """Creates or replaces ``obj``; sets its resourceVersion; returns a copy of what is stored."""
        with self.lock:
            meta = obj["metadata"]
            ident = (meta.get("namespace"), meta["name"])
            previous = self._objects[key].get(ident)
            self._rv += 1
            meta["resourceVersion"] = str(self._rv)
            stored = clone(obj)
            if previous is not None:
                self._index(key, previous, False)
            self._objects[key][ident] = stored
            self._index(key, stored, True)
            self._emit(key, ident[0], "MODIFIED" if previous is not None else "ADDED", stored, previous)
            return clone(stored) if result else None

    def remove(self, key, namespace, name) -> dict | None:
        with self.lock:
            obj = self._objects[key].pop((namespace, name), None)
            if obj is None:
                return None
            self._index(key, obj, False)
            self._rv += 1
            final = clone(obj)
            final["metadata"]["resourceVersion"] = str(self._rv)
            self._emit(key, namespace, "DELETED", final, obj)
            return clone(final)

    def drop_resource(self, key) -> None:
        """Removes every object of a group/resource (a deleted CRD's custom resources)."""
        with self.lock:
            for (ns, name) in list(self._objects.get(key, {})):
                self.remove(key, ns, name)

    # -- watch ----------------------------------------------------------------------------------------------------
    def events_after(self, rv: int) -> list:
        with self.lock:
            return [e for e in self._events if e.rv > rv]

    def wait(self, rv: int, timeout: float) -> None:
        with self.lock:
            if self._rv <= rv and not self.closed:
                self.changed.wait(timeout)

    def close(self):
        with self.lock:
            self.closed = True
            self.changed.notify_all()
