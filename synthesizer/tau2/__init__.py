"""Import tau2-bench domains as ordinary AutoForge environments."""

from .importer import DOMAINS, ImportReport, Skipped, import_tau2

__all__ = ["DOMAINS", "ImportReport", "Skipped", "import_tau2"]
