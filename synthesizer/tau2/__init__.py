"""Import tau2-bench domains, and the original tau-bench's, as ordinary AutoForge environments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from autoforge.lazy import lazy_exports

if TYPE_CHECKING:
    from .importer import DOMAINS, ImportReport, Skipped, import_tau2, import_tau_bench

_HOMES = {
    "DOMAINS": "importer",
    "ImportReport": "importer",
    "Skipped": "importer",
    "import_tau2": "importer",
    "import_tau_bench": "importer",
}
__all__ = [
    "DOMAINS",
    "ImportReport",
    "Skipped",
    "import_tau2",
    "import_tau_bench",
]
__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
