"""Package front doors that load names on first use: a name shared by a submodule and its export is the export."""

from __future__ import annotations

import subprocess
import sys


def test_an_export_named_like_its_module_stays_the_export_after_a_sibling_loads_that_module() -> None:
    """Using `verify_registry` imports the `install` module; the package's `install` is still the function."""
    probe = (
        "import autoforge.servers.registry as r\n"
        "r.verify_registry\n"
        "from autoforge.servers.registry import install\n"
        "print(callable(install), type(install).__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["True", "function"]
