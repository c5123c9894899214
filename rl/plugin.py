"""veRL plugin (entry point `verl.plugins`): registers ERPO's estimator and agent loop.

`import verl` loads this module in every process, Ray workers included, so it imports nothing
heavy: each registration runs right after veRL itself imports the module whose registry it fills.

    verl.trainer.ppo.core_algos     -> autoforge.rl.estimator   (algorithm.adv_estimator=erpo)
    verl.experimental.agent_loop    -> autoforge.rl.agent_loop  (agent_name: autoforge_agent)

The trainer stays veRL's own `sync` mode; veRL loads ERPO's replay buffer and dataset classes from
the paths the config names (autoforge.rl.replay, autoforge.rl.sampling).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

__all__ = ["REGISTRATIONS", "install"]

REGISTRATIONS: dict[str, str] = {
    "verl.trainer.ppo.core_algos": "autoforge.rl.estimator",
    "verl.experimental.agent_loop": "autoforge.rl.agent_loop",
}


class _AfterImport(importlib.abc.MetaPathFinder):
    """Imports our registering module as soon as veRL's module it registers into has finished loading."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in REGISTRATIONS:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _Loader(spec.loader, REGISTRATIONS[fullname])
                return spec
        return None


class _Loader(importlib.abc.Loader):
    """Runs veRL's loader, then imports the registering module."""

    def __init__(self, loader: Any, registering: str) -> None:
        self.loader = loader
        self.registering = registering

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)  # get_source, get_resource_reader, ... stay veRL's

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)  # type: ignore[no-any-return]

    def exec_module(self, module: ModuleType) -> None:
        self.loader.exec_module(module)
        importlib.import_module(self.registering)


def install() -> None:
    """Register now for modules already imported, and on import for the rest (idempotent)."""
    if not any(isinstance(f, _AfterImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterImport())
    for target, registering in REGISTRATIONS.items():
        if target in sys.modules:
            importlib.import_module(registering)


install()
