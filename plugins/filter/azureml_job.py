# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that turn training variables into an AzureML command job (docs: one YAML file per filter)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import shlex

from ansible.errors import AnsibleFilterError

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure.azureml import (
    AzureMLSpecError,
    checkpoint_input,
    environment_version_from_image,
)

CHECKPOINT_MODES = ("from-scratch", "warm-start", "resume")
FRAMEWORKS = ("rsl_rl", "skrl")


def azureml_environment_version(image):
    try:
        return environment_version_from_image(image)
    except AzureMLSpecError as exc:
        raise AnsibleFilterError("azureml_environment_version: %s" % exc)


def azureml_checkpoint_input(uri):
    try:
        return checkpoint_input(uri)
    except AzureMLSpecError as exc:
        raise AnsibleFilterError("azureml_checkpoint_input: %s" % exc)


def azureml_training_command(settings):
    """The ``robotics-training train`` command line of an AzureML job, from the training variables.

    A checkpoint that AzureML resolves (a registered model) arrives as the job input ``checkpoint`` and is
    referred to as ``${{inputs.checkpoint}}``; other checkpoint URIs are passed as they are. Checkpoints and
    TensorBoard files go to the job output ``checkpoints`` when ``output`` is true.
    """
    if not isinstance(settings, dict):
        raise AnsibleFilterError("azureml_training_command expects a dict of settings, got %r" % (settings,))
    task = settings.get("task")
    if not task:
        raise AnsibleFilterError("azureml_training_command: task is required")
    framework = settings.get("framework") or "rsl_rl"
    if framework not in FRAMEWORKS:
        raise AnsibleFilterError("azureml_training_command: framework=%r is not one of %s"
                                 % (framework, ", ".join(FRAMEWORKS)))
    mode = settings.get("checkpoint_mode") or "from-scratch"
    if mode not in CHECKPOINT_MODES:
        raise AnsibleFilterError("azureml_training_command: checkpoint_mode=%r is not one of %s"
                                 % (mode, ", ".join(CHECKPOINT_MODES)))
    uri = settings.get("checkpoint_uri") or None
    if mode != "from-scratch" and not uri:
        raise AnsibleFilterError("azureml_training_command: checkpoint_mode=%s needs checkpoint_uri" % mode)
    args = ["robotics-training", "train", "--task", shlex.quote(str(task)), "--framework", framework]
    for key, flag in (("num_envs", "--num-envs"), ("max_iterations", "--max-iterations"), ("seed", "--seed")):
        value = settings.get(key)
        if value is not None and value != "":
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise AnsibleFilterError("azureml_training_command: %s=%r is not an integer" % (key, value))
            args += [flag, str(number)]
    if settings.get("experiment"):
        args += ["--experiment", shlex.quote(str(settings["experiment"]))]
    if settings.get("device"):
        args += ["--device", shlex.quote(str(settings["device"]))]
    if settings.get("output", True):
        args += ["--output-dir", "${{outputs.checkpoints}}"]
    if uri and mode != "from-scratch":
        try:
            as_input = checkpoint_input(uri)
        except AzureMLSpecError as exc:
            raise AnsibleFilterError("azureml_training_command: %s" % exc)
        args += ["--checkpoint-uri", "${{inputs.checkpoint}}" if as_input else shlex.quote(str(uri)),
                 "--checkpoint-mode", mode]
    for extra in settings.get("extra_args") or []:
        args.append(shlex.quote(str(extra)))
    command = " ".join(args)
    if settings.get("install_code"):
        # The uploaded code directory is the training package's source: install it into the image first.
        command = "python -m pip install --quiet --no-deps . && " + command
    return command


class FilterModule(object):
    def filters(self):
        return {
            "azureml_environment_version": azureml_environment_version,
            "azureml_checkpoint_input": azureml_checkpoint_input,
            "azureml_training_command": azureml_training_command,
        }
