import pytest

from robotics_training.mirror.errors import CoordinatesError, TargetError
from robotics_training.mirror.targets import Target, workspace_tracking_uri


def test_no_target_at_all_names_both_ways():
    with pytest.raises(CoordinatesError) as err:
        Target.from_env({}).validate()
    text = str(err.value)
    assert "MLFLOW_TRACKING_URI" in text and "AZUREML_WORKSPACE_NAME" in text and "AZURE_SUBSCRIPTION_ID" in text


def test_a_partial_workspace_names_what_is_missing():
    with pytest.raises(CoordinatesError, match="AZURE_RESOURCE_GROUP") as err:
        Target.from_env({"AZURE_SUBSCRIPTION_ID": "s", "AZUREML_WORKSPACE_NAME": "w"}).validate()
    assert "AZURE_SUBSCRIPTION_ID" not in str(err.value)


def test_environment_and_explicit_values():
    env = {"AZURE_SUBSCRIPTION_ID": "s", "AZUREML_RESOURCE_GROUP": "rg", "AZUREML_WORKSPACE_NAME": "w"}
    target = Target.from_env(env)
    assert target.validate() == "azureml" and target.resource_group == "rg"
    assert Target.from_env(dict(env, MLFLOW_TRACKING_URI="http://x")).validate() == "mlflow"
    assert Target.from_env(env, tracking_uri="http://y", kind="azureml").validate() == "azureml"
    with pytest.raises(CoordinatesError, match="--tracking-uri"):
        Target.from_env(env, kind="mlflow").validate()


class _Workspaces:
    def __init__(self, uri, fail=None):
        self.uri, self.fail, self.asked = uri, fail, []

    def get(self, name):
        self.asked.append(name)
        if self.fail:
            raise self.fail
        return type("Workspace", (), {"mlflow_tracking_uri": self.uri})()


def test_the_tracking_uri_is_asked_of_the_workspace():
    workspaces = _Workspaces("azureml://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/s/x")
    calls = []

    def factory(credential, sub, rg, ws):
        calls.append((credential, sub, rg, ws))
        return type("MLClient", (), {"workspaces": workspaces})()

    target = Target(subscription_id="s", resource_group="rg", workspace_name="w")
    assert workspace_tracking_uri(target, "cred", factory).startswith("azureml://")
    assert calls == [("cred", "s", "rg", "w")] and workspaces.asked == ["w"]


def test_an_unreadable_workspace_names_it_and_the_role_needed():
    def factory(*args):
        return type("MLClient", (), {"workspaces": _Workspaces(None, PermissionError("AuthorizationFailed"))})()

    with pytest.raises(TargetError, match="cannot read AzureML workspace w .*AzureML Data Scientist"):
        workspace_tracking_uri(Target(subscription_id="s", resource_group="rg", workspace_name="w"), None, factory)


def test_best_effort_warns_instead_of_raising():
    from robotics_training.mirror import MirrorRequest, mirror_best_effort

    warnings = []
    request = MirrorRequest(source="/nowhere", model_name="m", target=Target())
    assert mirror_best_effort(request, warnings.append) is None
    assert len(warnings) == 1 and "training result is unaffected" in warnings[0] and "missing coordinates" in warnings[0]
