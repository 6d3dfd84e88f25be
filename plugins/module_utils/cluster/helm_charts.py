# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Chart references and version rules of the charts the cluster roles install.

KAI Scheduler: versions are git tags with a leading ``v``; charts up to v0.13 are published at
``oci://ghcr.io/nvidia/kai-scheduler/kai-scheduler``, from v0.14 at
``oci://ghcr.io/kai-scheduler/kai-scheduler/kai-scheduler``. v0.20.0/v0.20.1 are mistaken tags of old code
(retracted): never installed. The arguments OSMO needs go on the ``default`` SchedulingShard, read by the
operator from v0.10 on, so older versions are refused. Long-term support lines are the even minors from v0.12.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.azure_robotics.stack.plugins.module_utils.cluster.inputs import InputError, semver

KAI_OLD_REGISTRY = "oci://ghcr.io/nvidia/kai-scheduler/kai-scheduler"
KAI_NEW_REGISTRY = "oci://ghcr.io/kai-scheduler/kai-scheduler/kai-scheduler"
# What OSMO needs from the scheduler: no stale-gang eviction, and a pod condition when KAI preempts a pod.
OSMO_SHARD_ARGS = {"default-staleness-grace-period": "-1s", "update-pod-eviction-condition": "true"}


def kai_release(version, lts_only=True, variable="kai_scheduler_version"):
    """{'chart_ref', 'version', 'lts', 'helm_args'} for a KAI Scheduler version; InputError for a bad one."""
    major, minor, patch = semver(version, variable, leading_v=True)
    if (major, minor) == (0, 20):
        raise InputError("%s=%s: the v0.20.x tags are mistaken tags of old code, retracted by the project; use an "
                         "LTS line such as v0.14.x or v0.16.x" % (variable, version))
    if (major, minor) < (0, 10):
        raise InputError("%s=%s is too old: the SchedulingShard arguments OSMO needs are read from v0.10 on; use "
                         "v0.12.x or later" % (variable, version))
    lts = major == 0 and minor >= 12 and minor % 2 == 0
    if lts_only and not lts:
        raise InputError("%s=%s is not a long-term-support line (even minors from v0.12: v0.12, v0.14, v0.16); "
                         "pick one or set kai_scheduler_lts_only: false" % (variable, version))
    return {
        "chart_ref": KAI_OLD_REGISTRY if (major, minor) <= (0, 13) else KAI_NEW_REGISTRY,
        "version": version,
        "lts": lts,
        # the chart passes scheduler.args to the default shard from v0.15 on
        "helm_args": (major, minor) >= (0, 15),
    }
