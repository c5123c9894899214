"""Import tau2-bench domains, and the original tau-bench's, as ordinary AutoForge environments."""

from .importer import DOMAINS, ImportReport, Skipped, import_tau2, import_tau_bench

__all__ = ["DOMAINS", "ImportReport", "Skipped", "import_tau2", "import_tau_bench"]
