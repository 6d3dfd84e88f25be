"""Each Azure module imports in under 0.5 s and loads no Azure SDK until it builds its client.

Measured in fresh interpreters, as Ansible runs every task in a new process; a sample over budget is measured
again (best of three) so that a busy machine does not fail the test on one slow start.
"""

from __future__ import annotations

import pytest

from support.imports import azure_modules, measure

MODULE_BUDGET = 0.5   # seconds, the module itself
CLIENT_BUDGET = 1.0   # seconds, with its one SDK client (a sanity bound; ~0.3 s on an idle machine)


@pytest.mark.parametrize("name", azure_modules())
def test_module_imports_fast_and_lazily(name):
    timing = measure(name, repeat=1)
    if timing["module"] >= MODULE_BUDGET or timing["with_client"] >= CLIENT_BUDGET:
        timing = measure(name, repeat=3)
    assert timing["sdk_at_import"] == [], "importing %s loaded %s" % (name, timing["sdk_at_import"])
    assert timing["module"] < MODULE_BUDGET, timing
    assert timing["with_client"] < CLIENT_BUDGET, timing
