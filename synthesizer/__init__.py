"""From tool documentation to a verified environment (parse, schema, tools, data, graph, walks, tasks, checks)."""

from .backends import Backend, OfflineBackend, make_backend
from .models import Blueprint, Draft, Edge, Operation, ParamPlan, Skip, SourceDoc, ToolPlan, Usage
from .options import DEFAULT_MAX_BYTES, SynthOptions
from .pipeline import STAGES, Event, SynthResult, synthesize
from .stats import TaskStats, task_stats

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
