"""The desired-state engine with a fake module and fake SDK calls: no network."""

import pytest

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.diff import Rules
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.fields import Field, FieldMap
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.state import ArmResource, DesiredState


class Failed(Exception):
    def __init__(self, msg, **details):
        super().__init__(msg)
        self.msg = msg
        self.details = details


class FakeAzure:
    def __init__(self, check_mode=False, **params):
        self.params = dict(wait=True, wait_timeout=30, state="present", **params)
        self.check_mode = check_mode

    def fail(self, msg, **details):
        raise Failed(msg, **details)

    def fail_azure(self, exc, action, resource, **details):
        raise Failed("Failed to %s %s: %s" % (action, resource, exc), **details)


class NotFound(Exception):
    status_code = 404


class FakePoller:
    def __init__(self, result, done=True, error=None):
        self._result, self._done, self._error = result, done, error
        self.waited = None

    def polling_method(self):
        return None

    def wait(self, timeout=None):
        self.waited = timeout
        if self._error:
            raise self._error

    def done(self):
        return self._done

    def result(self):
        if self._error:
            raise self._error
        return self._result


class FakeArm:
    """One resource in memory; records every call."""

    def __init__(self, body=None):
        self.body = body
        self.calls = []
        self.next_poller = None

    def read(self):
        self.calls.append("GET")
        if self.body is None:
            raise NotFound("not found")
        return dict(self.body)

    def write(self, body, wait):
        self.calls.append("PUT")
        self.body = dict(body, id="/subscriptions/s/x")
        return self.next_poller or FakePoller(self.body)

    def remove(self, wait):
        self.calls.append("DELETE")
        self.body = None
        return FakePoller(None)

    def resource(self):
        return ArmResource("thing", "/subscriptions/s/x", read=self.read, write=self.write, remove=self.remove)


FIELDS = FieldMap(Field("size", ("properties", "size")), Field("location", ("location",)))
RULES = Rules(immutable=[("location",)])


def engine(arm, **kwargs):
    azure = kwargs.pop("azure", None) or FakeAzure()
    return DesiredState(azure, arm.resource(), rules=RULES, fields=FIELDS, sleep=lambda s: None, **kwargs)


def test_create_then_noop_makes_one_read():
    arm = FakeArm()
    created = engine(arm).present({"location": "westeurope", "properties": {"size": 1}})
    assert created["changed"] and arm.calls == ["GET", "PUT"]
    arm.calls.clear()
    again = engine(arm).present({"location": "westeurope", "properties": {"size": 1}})
    assert not again["changed"] and arm.calls == ["GET"]
    assert again["diff"] == {"before": {}, "after": {}}


def test_update_sends_the_merged_resource_and_reports_only_the_change():
    arm = FakeArm({"id": "/subscriptions/s/x", "location": "westeurope", "properties": {"size": 1, "other": "kept"}})
    result = engine(arm).present({"properties": {"size": 2}})
    assert result["diff"] == {"before": {"properties": {"size": 1}}, "after": {"properties": {"size": 2}}}
    assert arm.body["properties"] == {"size": 2, "other": "kept"}


def test_check_mode_reads_only():
    arm = FakeArm({"location": "westeurope", "properties": {"size": 1}})
    result = engine(arm, azure=FakeAzure(check_mode=True)).present({"properties": {"size": 2}})
    assert result["changed"] and arm.calls == ["GET"]
    assert engine(FakeArm(), azure=FakeAzure(check_mode=True)).present({"properties": {"size": 2}})["changed"]


def test_immutable_change_is_refused_naming_the_option_before_any_write():
    arm = FakeArm({"location": "westeurope", "properties": {"size": 1}})
    with pytest.raises(Failed) as failure:
        engine(arm).present({"location": "eastus", "properties": {"size": 2}})
    assert "Cannot change location" in failure.value.msg and "'westeurope' -> 'eastus'" in failure.value.msg
    assert failure.value.details["immutable_options"] == ["location"]
    assert arm.calls == ["GET"]


def test_failed_resource_is_repaired_by_a_rerun():
    arm = FakeArm({"location": "westeurope", "properties": {"size": 1, "provisioningState": "Failed"}})
    result = engine(arm).present({"properties": {"size": 1}})
    assert result["changed"] and arm.calls == ["GET", "PUT"]
    assert result["diff"]["before"] == {"properties": {"provisioningState": "Failed"}}


def test_timeout_names_the_resource_and_its_last_state():
    arm = FakeArm({"location": "westeurope", "properties": {"size": 1}})
    arm.next_poller = FakePoller(None, done=False)
    with pytest.raises(Failed) as failure:
        engine(arm).present({"properties": {"size": 2}})
    assert "Timed out after 30s waiting for thing '/subscriptions/s/x' to be updated" in failure.value.msg
    assert failure.value.details == {"resource_id": "/subscriptions/s/x", "provisioning_state": None}


def test_failed_operation_names_the_resource_and_the_arm_message():
    class OperationFailed(Exception):
        class error:
            code = "AllocationFailed"
            message = "No capacity."

    arm = FakeArm()
    arm.next_poller = FakePoller(None, error=OperationFailed("No capacity."))
    with pytest.raises(Failed) as failure:
        engine(arm).present({"location": "westeurope"})
    assert failure.value.msg.startswith("Failed to create thing '/subscriptions/s/x': the operation ended")
    assert "(AllocationFailed): No capacity" in failure.value.msg


def test_mid_operation_resource_is_awaited_before_comparing():
    states = iter(["Updating", "Updating", "Succeeded"])
    arm = FakeArm({"location": "westeurope", "properties": {"size": 1, "provisioningState": "Creating"}})
    original = arm.read

    def read():
        body = original()
        body["properties"] = dict(body["properties"], provisioningState=next(states))
        return body

    arm.read = read
    result = engine(arm).present({"properties": {"size": 1}})
    assert not result["changed"] and arm.calls == ["GET", "GET", "GET"]


def test_absent_deletes_once_then_reports_nothing_to_do():
    arm = FakeArm({"location": "westeurope"})
    assert engine(arm).absent()["changed"] and arm.calls == ["GET", "DELETE"]
    arm.calls.clear()
    assert not engine(arm).absent()["changed"] and arm.calls == ["GET"]


def test_read_errors_other_than_not_found_fail_with_the_resource():
    arm = FakeArm()

    def broken():
        raise RuntimeError("boom")

    arm.read = broken
    with pytest.raises(Failed) as failure:
        engine(arm).present({"location": "x"})
    assert "Failed to read thing '/subscriptions/s/x'" in failure.value.msg
