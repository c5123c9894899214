"""The veRL plugin: a bare `import verl` registers ERPO's estimator and agent loop, lazily."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

pytest.importorskip("verl", reason="veRL is not installed (pip install -e '.[rl]' after the CPU torch wheel)")

PROBE = """
import json, sys
import verl
eager = sorted(m for m in sys.modules if m.startswith("autoforge.rl."))
from verl.trainer.ppo.core_algos import get_adv_estimator_fn
from verl.experimental.agent_loop.agent_loop import _agent_loop_registry
print(json.dumps({
    "eager": eager,
    "estimator": get_adv_estimator_fn("erpo").__module__,
    "agent": _agent_loop_registry.get("autoforge_agent"),
}))
"""


def test_the_entry_point_names_the_plugin_module() -> None:
    """The installed distribution declares `autoforge.rl.plugin` in the `verl.plugins` group."""
    assert "autoforge.rl.plugin" in {e.value for e in entry_points(group="verl.plugins")}


def test_import_verl_registers_everything_on_demand() -> None:
    """In a fresh interpreter, `import verl` alone makes erpo and autoforge_agent resolvable, loading each
    registering module only when veRL loads the registry it fills."""
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300, check=True)
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["eager"] == ["autoforge.rl.plugin"]
    assert seen["estimator"] == "autoforge.rl.estimator"
    assert seen["agent"] == {"_target_": "autoforge.rl.agent_loop.AutoForgeAgentLoop"}
