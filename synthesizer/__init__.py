"""From tool documentation to a verified environment (parse, schema, tools, data, graph, walks, tasks, checks)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from autoforge.lazy import lazy_exports

if TYPE_CHECKING:
    from .backends import Backend, OfflineBackend, make_backend
    from .defaults import DEFAULT_MAX_BYTES
    from .models import Blueprint, Draft, Edge, Operation, ParamPlan, Skip, SourceDoc, ToolPlan, Usage
    from .options import SynthOptions
    from .pipeline import STAGES, Event, SynthResult, synthesize
    from .stats import TaskStats, task_stats

_HOMES = {
    "Backend": "backends",
    "Blueprint": "models",
    "DEFAULT_MAX_BYTES": "defaults",
    "Draft": "models",
    "Edge": "models",
    "Event": "pipeline",
    "OfflineBackend": "backends",
    "Operation": "models",
    "ParamPlan": "models",
    "STAGES": "pipeline",
    "Skip": "models",
    "SourceDoc": "models",
    "SynthOptions": "options",
    "SynthResult": "pipeline",
    "TaskStats": "stats",
    "ToolPlan": "models",
    "Usage": "models",
    "make_backend": "backends",
    "synthesize": "pipeline",
    "task_stats": "stats",
}
__all__ = [
    "DEFAULT_MAX_BYTES",
    "STAGES",
    "Backend",
    "Blueprint",
    "Draft",
    "Edge",
    "Event",
    "OfflineBackend",
    "Operation",
    "ParamPlan",
    "Skip",
    "SourceDoc",
    "SynthOptions",
    "SynthResult",
    "TaskStats",
    "ToolPlan",
    "Usage",
    "make_backend",
    "synthesize",
    "task_stats",
]
__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
