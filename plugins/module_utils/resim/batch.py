# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A resimulation batch on a cluster: submit, watch progress, retry failed indexes, cancel, clean up.

State lives in the cluster only: the attempt Jobs (``resim-<batch>``, ``resim-<batch>-r<n>``) and a small
record ConfigMap (``resim-<batch>``: spec hash, attempts, the final results of attempts whose Jobs a TTL may
delete). Submitting N tasks costs four requests whatever N is: read the record, list the claims, create the Job,
create the record.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import time

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.retry import (
    RETRYABLE_STATUS,
    Backoff,
    retry_after_from_headers,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.resim import spec as rs

RECORD_KEYS = ("spec-hash", "attempts")


class BatchError(Exception):
    """A failure that names the resource, what was attempted and what to do."""


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Batch:
    def __init__(self, api_client, spec, check_mode=False, warn=None, progress=None, retries=4, sleep=time.sleep):
        import kubernetes  # lazy: the import costs ~0.3 s

        self.kubernetes = kubernetes
        self.spec = spec
        self.ns = spec["namespace"]
        self.core = kubernetes.client.CoreV1Api(api_client)
        self.jobs = kubernetes.client.BatchV1Api(api_client)
        self.serialize = api_client.sanitize_for_serialization
        self.check_mode = check_mode
        self.warn = warn or (lambda msg: None)
        self.on_progress = progress or (lambda snapshot: None)
        self.backoff = Backoff(retries=retries, delay=0.5, max_delay=10.0)
        self.sleep = sleep
        self.calls = 0
        self.progress = []
        self.timings = {}

    # -- requests -------------------------------------------------------------------------------------------------
    def _call(self, action, resource, func, *args, **kwargs):
        """One API request, retried on throttling/5xx/connection errors (Retry-After honoured)."""
        missing_ok = kwargs.pop("missing_ok", False)
        idempotent = kwargs.pop("idempotent", True)
        attempt = 0
        while True:
            self.calls += 1
            try:
                result = func(*args, **kwargs)
                return self.serialize(result) if result is not None else None
            except self.kubernetes.client.ApiException as exc:
                if exc.status == 404 and missing_ok:
                    return None
                if exc.status in RETRYABLE_STATUS and idempotent and attempt < self.backoff.retries:
                    self.sleep(self.backoff.delay_for(attempt, retry_after_from_headers(exc.headers)))
                    attempt += 1
                    continue
                raise BatchError(self._describe(exc, action, resource))
            except ValueError as exc:  # the client's own model validation (pydantic) refused the body
                raise BatchError("the client refused to %s %s: %s" % (action, resource, exc))
            except Exception as exc:  # urllib3 connection errors: retried like 5xx, then reported
                if type(exc).__module__.startswith("urllib3") and idempotent and attempt < self.backoff.retries:
                    self.sleep(self.backoff.delay_for(attempt))
                    attempt += 1
                    continue
                if type(exc).__module__.startswith("urllib3"):
                    raise BatchError("cannot reach the Kubernetes API to %s %s: %s" % (action, resource, exc))
                raise

    @staticmethod
    def _describe(exc, action, resource):
        try:
            message = json.loads(exc.body).get("message") or exc.reason
        except (TypeError, ValueError, AttributeError):
            message = exc.reason
        hint = {401: "check the cluster credentials (kubeconfig, api_key)",
                403: "the identity needs RBAC rights on jobs and configmaps in the namespace",
                404: "create it first (role azure_robotics.stack.resim_cluster)",
                409: "it was changed concurrently; run again",
                422: "the manifest was rejected; see the message"}.get(exc.status, "")
        text = "failed to %s %s: HTTP %s: %s" % (action, resource, exc.status, message)
        return text + ("; " + hint if hint else "")

    # -- record ---------------------------------------------------------------------------------------------------
    def read_record(self):
        name = rs.record_name(self.spec["batch_id"])
        cm = self._call("read", "ConfigMap %s/%s" % (self.ns, name), self.core.read_namespaced_config_map, name,
                        self.ns, missing_ok=True)
        if cm is None:
            return None
        data = cm.get("data") or {}
        try:
            attempts = json.loads(data.get("attempts") or "[]")
        except ValueError:
            raise BatchError("ConfigMap %s/%s is not a resim batch record (bad attempts); delete it or use another "
                             "batch_id" % (self.ns, name))
        return {"object": cm, "hash": data.get("spec-hash"), "attempts": attempts,
                "njobs": int(data.get("njobs") or 0)}

    def _record_body(self, attempts, resource_version=None):
        meta = {"name": rs.record_name(self.spec["batch_id"]), "namespace": self.ns, "labels": rs.labels(self.spec)}
        if resource_version:
            meta["resourceVersion"] = resource_version
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta,
                "data": {"spec-hash": rs.spec_hash(self.spec), "njobs": str(self.spec["njobs"]),
                         "image": self.spec.get("image") or "", "attempts": json.dumps(attempts)}}

    def create_record(self, attempts):
        name = rs.record_name(self.spec["batch_id"])
        return self._call("create", "ConfigMap %s/%s" % (self.ns, name), self.core.create_namespaced_config_map, self.ns,
                   self._record_body(attempts), idempotent=False)

    def update_record(self, record, attempts):
        name = rs.record_name(self.spec["batch_id"])
        body = self._record_body(attempts, record["object"]["metadata"]["resourceVersion"])
        return self._call("update", "ConfigMap %s/%s" % (self.ns, name), self.core.replace_namespaced_config_map, name,
                   self.ns, body)

    # -- claims ---------------------------------------------------------------------------------------------------
    def check_claims(self):
        claims = self._call("list", "PersistentVolumeClaims in namespace %s" % self.ns,
                            self.core.list_namespaced_persistent_volume_claim, self.ns)
        found = {c["metadata"]["name"]: c for c in claims.get("items") or []}
        for option in ("input_claim", "output_claim"):
            name = self.spec[option]
            if name not in found:
                raise BatchError("%s: PersistentVolumeClaim %r not found in namespace %r; create it with the "
                                 "azure_robotics.stack.resim_cluster role or set %s" % (option, name, self.ns, option))
            phase = (found[name].get("status") or {}).get("phase")
            if phase != "Bound":
                self.warn("%s: PersistentVolumeClaim %r is %s, not Bound: pods will wait for it"
                          % (option, name, phase or "not bound yet"))

    # -- jobs -----------------------------------------------------------------------------------------------------
    def read_job(self, name):
        return self._call("read", "Job %s/%s" % (self.ns, name), self.jobs.read_namespaced_job, name, self.ns,
                          missing_ok=True)

    def create_job(self, manifest):
        name = manifest["metadata"]["name"]
        return self._call("create", "Job %s/%s" % (self.ns, name), self.jobs.create_namespaced_job, self.ns,
                          manifest, idempotent=False)

    def patch_job(self, name, patch, why):
        return self._call(why, "Job %s/%s" % (self.ns, name), self.jobs.patch_namespaced_job, name, self.ns, patch)

    def outcomes(self, attempts, jobs):
        return [rs.attempt_outcome(job, a.get("indexes"), self.spec["njobs"]) for a, job in zip(attempts, jobs)]

    # -- operations -----------------------------------------------------------------------------------------------
    def present(self, retry_failed=False, max_attempts=3, wait=False, timeout=3600):
        """Submits the batch (or nothing, when it exists), resumes it, retries failed indexes, waits."""
        started = time.monotonic()
        changed, submitted, manifests = False, [], []
        record = self.read_record()
        if record is None:
            self.check_claims()
            manifest = rs.build_job(self.spec, 0)
            attempts = [{"job": manifest["metadata"]["name"], "indexes": None}]
            manifests.append(manifest)
            if not self.check_mode:
                jobs = [self.create_job(manifest)]
                record = {"attempts": list(attempts), "object": self.create_record(attempts)}
            else:
                jobs = [None]
                attempts[0]["planned"] = True
                record = {"attempts": list(attempts), "object": None}
            self.timings["submit_seconds"] = round(time.monotonic() - started, 3)
            changed = True
            submitted.append(manifest["metadata"]["name"])
        else:
            if record["hash"] != rs.spec_hash(self.spec):
                raise BatchError("batch_id %r already exists in namespace %r with a different spec (record "
                                 "ConfigMap %s, %d tasks, image %s): use a new batch_id, or remove the old batch "
                                 "with state=absent" % (self.spec["batch_id"], self.ns,
                                                        rs.record_name(self.spec["batch_id"]), record["njobs"],
                                                        record["object"]["data"].get("image")))
            attempts = record["attempts"]
            jobs = [self.read_job(a["job"]) for a in attempts]
            changed |= self._converge_latest(attempts, jobs)
        deadline = started + timeout
        while True:
            outcomes = self.outcomes(attempts, jobs)
            if wait and not self.check_mode and not all(o.get("finished", True) for o in outcomes):
                jobs[-1] = self.wait_for(attempts, jobs, deadline)
                outcomes = self.outcomes(attempts, jobs)
            summary, _ = rs.summarize(self.spec, attempts, outcomes)
            if not (retry_failed and summary["finished"] and summary["failed_indexes"]):
                break
            if len(attempts) >= max_attempts:
                self.warn("indexes %s still failed after %d attempts (max_attempts): not retrying"
                          % (summary["failed_ranges"], len(attempts)))
                break
            manifest = rs.build_job(self.spec, len(attempts), summary["failed_indexes"])
            manifests.append(manifest)
            attempts = attempts + [{"job": manifest["metadata"]["name"], "indexes": summary["failed_indexes"]}]
            changed = True
            submitted.append(manifest["metadata"]["name"])
            if self.check_mode:
                attempts[-1]["planned"] = True
                jobs = jobs + [None]
                break
            jobs = jobs + [self.create_job(manifest)]
            record = self._remember_results(record, attempts, jobs)
            if not wait:
                break
        if not self.check_mode and record.get("object") is not None:
            self._remember_results(record, attempts, jobs)
        return self._result(changed, attempts, jobs, submitted, manifests, started)

    def _converge_latest(self, attempts, jobs):
        """The latest attempt runs with the wanted parallelism and is not suspended."""
        latest = jobs[-1]
        if latest is None or rs.attempt_outcome(latest, attempts[-1].get("indexes"), 0)["finished"]:
            return False
        completions = latest["spec"].get("completions") or 1
        patch = {}
        wanted = min(self.spec["parallelism"], completions)
        if latest["spec"].get("parallelism") != wanted:
            patch["parallelism"] = wanted
        if latest["spec"].get("suspend"):
            patch["suspend"] = False
        if not patch:
            return False
        if not self.check_mode:
            jobs[-1] = self.patch_job(attempts[-1]["job"], {"spec": patch}, "update")
        return True

    def _remember_results(self, record, attempts, jobs):
        """Copies finished attempts' index ranges into the record, so they outlive the Jobs' TTL."""
        changed = False
        for attempt, job in zip(attempts, jobs):
            outcome = rs.attempt_outcome(job, attempt.get("indexes"), self.spec["njobs"])
            if outcome.get("exists") and outcome["finished"] and "results" not in attempt:
                attempt["results"] = {"completed": rs.compress(outcome["completed"]),
                                      "failed": rs.compress(outcome["failed"]), "reason": outcome["reason"],
                                      "recorded": _now()}
                changed = True
        if changed or len(attempts) != len(record["attempts"]):
            record = {"attempts": list(attempts), "object": self.update_record(record, attempts)}
        return record

    def wait_for(self, attempts, jobs, deadline):
        """Watches the latest attempt's Job until it finishes (or the deadline), reporting progress."""
        name = attempts[-1]["job"]
        job = jobs[-1]
        version = job["metadata"]["resourceVersion"] if job else None
        self._report(attempts, jobs)
        while time.monotonic() < deadline:
            watcher = self.kubernetes.watch.Watch()
            remaining = max(1, int(deadline - time.monotonic()))
            try:
                self.calls += 1
                for event in watcher.stream(self.jobs.list_namespaced_job, self.ns,
                                            field_selector="metadata.name=%s" % name, resource_version=version,
                                            timeout_seconds=min(remaining, 300)):
                    obj = self.serialize(event["object"])
                    if event["type"] == "ERROR":
                        raise self.kubernetes.client.ApiException(status=obj.get("code"), reason=obj.get("reason"))
                    version = obj["metadata"]["resourceVersion"]
                    if event["type"] == "DELETED":
                        watcher.stop()
                        return None
                    jobs[-1] = obj
                    self._report(attempts, jobs)
                    if rs.attempt_outcome(obj, attempts[-1].get("indexes"), self.spec["njobs"])["finished"]:
                        watcher.stop()
                        return obj
            except self.kubernetes.client.ApiException as exc:
                if exc.status != 410:
                    raise BatchError(self._describe(exc, "watch", "Job %s/%s" % (self.ns, name)))
                jobs[-1] = self.read_job(name)          # history expired: start again from the current state
                if jobs[-1] is None:
                    return None
                version = jobs[-1]["metadata"]["resourceVersion"]
        self.warn("Job %s/%s did not finish within wait_timeout; it keeps running" % (self.ns, name))
        return jobs[-1]

    def _report(self, attempts, jobs):
        summary, _ = rs.summarize(self.spec, attempts, self.outcomes(attempts, jobs))
        snapshot = {"succeeded": summary["succeeded"], "failed": summary["failed"], "active": summary["active"],
                    "pending": summary["pending"], "attempt": len(attempts) - 1}
        if self.progress and {k: v for k, v in self.progress[-1].items() if k != "time"} == snapshot:
            return
        snapshot = dict(snapshot, time=_now())
        self.progress.append(snapshot)
        self.on_progress(snapshot)

    def cancelled(self, wait=False, timeout=600):
        """Suspends every unfinished attempt: its pods stop, its status and completed indexes stay."""
        started = time.monotonic()
        record = self.read_record()
        if record is None:
            return {"changed": False, "msg": "no batch %r in namespace %r" % (self.spec["batch_id"], self.ns),
                    "jobs": [], "api_calls": self.calls}
        if not self.spec.get("njobs"):
            self.spec["njobs"] = record["njobs"]
        attempts = record["attempts"]
        jobs = [self.read_job(a["job"]) for a in attempts]
        changed = False
        for index, (attempt, job) in enumerate(zip(attempts, jobs)):
            outcome = rs.attempt_outcome(job, attempt.get("indexes"), self.spec["njobs"])
            if outcome.get("exists") and not outcome["finished"] and not outcome["suspended"]:
                changed = True
                if not self.check_mode:
                    jobs[index] = self.patch_job(attempt["job"], {"spec": {"suspend": True}}, "suspend")
        if wait and changed and not self.check_mode:
            deadline = started + timeout
            while time.monotonic() < deadline:
                jobs = [self.read_job(a["job"]) for a in attempts]
                if not any((j or {}).get("status", {}).get("active") for j in jobs):
                    break
                self.sleep(1)
        return self._result(changed, attempts, jobs, [], [], started)

    def absent(self, wait=False, timeout=600):
        """Deletes the batch's Jobs (their pods with them) and its record."""
        started = time.monotonic()
        selector = "%s=%s" % (rs.BATCH_LABEL, self.spec["batch_id"])
        listed = self._call("list", "Jobs of batch %s" % self.spec["batch_id"], self.jobs.list_namespaced_job,
                            self.ns, label_selector=selector)
        names = [j["metadata"]["name"] for j in listed.get("items") or []]
        record = self.read_record()
        changed = bool(names) or record is not None
        if changed and not self.check_mode:
            body = {"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Background"}
            for name in names:
                self._call("delete", "Job %s/%s" % (self.ns, name), self.jobs.delete_namespaced_job, name, self.ns,
                           body=body, missing_ok=True)
            if record is not None:
                name = rs.record_name(self.spec["batch_id"])
                self._call("delete", "ConfigMap %s/%s" % (self.ns, name), self.core.delete_namespaced_config_map,
                           name, self.ns, missing_ok=True)
            if wait:
                deadline = started + timeout
                while time.monotonic() < deadline:
                    left = self._call("list", "Jobs of batch %s" % self.spec["batch_id"],
                                      self.jobs.list_namespaced_job, self.ns, label_selector=selector)
                    if not left.get("items"):
                        break
                    self.sleep(1)
                else:
                    raise BatchError("Jobs of batch %s were not deleted within wait_timeout" % self.spec["batch_id"])
        return {"changed": changed, "jobs": names, "api_calls": self.calls,
                "timings": {"total_seconds": round(time.monotonic() - started, 3)}}

    # -- results --------------------------------------------------------------------------------------------------
    def _result(self, changed, attempts, jobs, submitted, manifests, started):
        outcomes = self.outcomes(attempts, jobs)
        summary, results = rs.summarize(self.spec, attempts, outcomes)
        self.timings["total_seconds"] = round(time.monotonic() - started, 3)
        return {"changed": changed, "jobs": [a["job"] for a in attempts], "submitted": submitted,
                "manifests": manifests, "summary": summary, "indexes": results, "progress": self.progress,
                "api_calls": self.calls, "timings": dict(self.timings)}
