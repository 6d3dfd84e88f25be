import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.azure_robotics.stack.plugins.filter.azureml_job import (
    FilterModule,
    azureml_training_command,
)
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.azureml_client import cloud_kwargs
from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.clouds import resolve_cloud


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {"azureml_environment_version", "azureml_checkpoint_input",
                                             "azureml_training_command"}


def test_command_with_a_registered_checkpoint_uses_the_job_input():
    command = azureml_training_command({
        "task": "Isaac-Velocity-Rough-Anymal-C-v0", "framework": "rsl_rl", "num_envs": "4096", "max_iterations": 1500,
        "seed": 42, "experiment": "isaaclab", "device": "cuda", "checkpoint_uri": "models:/anymal/3",
        "checkpoint_mode": "warm-start",
    })
    assert command == (
        "robotics-training train --task Isaac-Velocity-Rough-Anymal-C-v0 --framework rsl_rl --num-envs 4096 "
        "--max-iterations 1500 --seed 42 --experiment isaaclab --device cuda --output-dir ${{outputs.checkpoints}} "
        "--checkpoint-uri ${{inputs.checkpoint}} --checkpoint-mode warm-start")


def test_command_quotes_values_and_passes_other_uris_as_they_are():
    command = azureml_training_command({
        "task": "My Task; rm -rf /", "framework": "skrl", "checkpoint_uri": "runs:/abc/ckpt 1.pt",
        "checkpoint_mode": "resume", "output": False, "install_code": True, "extra_args": ["--set", "a=b c"],
    })
    assert command.startswith("python -m pip install --quiet --no-deps . && robotics-training train ")
    assert "--task 'My Task; rm -rf /'" in command
    assert "--checkpoint-uri 'runs:/abc/ckpt 1.pt' --checkpoint-mode resume" in command
    assert "--output-dir" not in command
    assert command.endswith("--set 'a=b c'")


def test_from_scratch_ignores_the_checkpoint_and_defaults_apply():
    command = azureml_training_command({"task": "Isaac-Ant-v0", "checkpoint_uri": None, "num_envs": None})
    assert command == ("robotics-training train --task Isaac-Ant-v0 --framework rsl_rl "
                       "--output-dir ${{outputs.checkpoints}}")


@pytest.mark.parametrize("settings, word", [
    ({}, "task"),
    ({"task": "t", "framework": "sb3"}, "framework"),
    ({"task": "t", "checkpoint_mode": "fresh-ish"}, "checkpoint_mode"),
    ({"task": "t", "checkpoint_mode": "resume"}, "checkpoint_uri"),
    ({"task": "t", "num_envs": "many"}, "num_envs"),
    ({"task": "t", "checkpoint_uri": "azureml:bad", "checkpoint_mode": "resume"}, "checkpoint_uri"),
])
def test_bad_settings_name_the_setting(settings, word):
    with pytest.raises(AnsibleFilterError, match=word):
        azureml_training_command(settings)


def test_named_and_custom_clouds_for_azure_ai_ml():
    assert cloud_kwargs(resolve_cloud("public")) == {"cloud": "AzureCloud"}
    assert cloud_kwargs(resolve_cloud("usgov")) == {"cloud": "AzureUSGovernment"}
    custom = cloud_kwargs(resolve_cloud("https://127.0.0.1:8443"))
    assert custom["cloud"].startswith("AzureRoboticsCustom")
    assert custom["cloud_metadata"]["resource_manager"] == "https://127.0.0.1:8443/"
    assert custom["cloud"] == cloud_kwargs(resolve_cloud("https://127.0.0.1:8443/"))["cloud"]
