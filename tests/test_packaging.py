"""The built wheel installs one namespace, `autoforge`, and works on its own (bundled environments included)."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project built as a wheel (pip, with build isolation)."""
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )
    if built.returncode != 0:
        pytest.skip(f"could not build the wheel (no package index?): {built.stderr[-300:]}")
    return next(out.glob("autoforge_rl-*.whl"))


def test_wheel_has_no_generic_top_level_modules(wheel: Path) -> None:
    """Everything lives under `autoforge/`; `servers`, `clients`, `rl` never land in site-packages."""
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names}
    assert top == {"autoforge", wheel.name.split("-")[0] + "-" + wheel.name.split("-")[1] + ".dist-info"}
    for package in ("servers", "synthesizer", "clients", "rl"):
        assert f"autoforge/{package}/__init__.py" in names
    assert "autoforge/servers/library-loans/env.json" in names


def test_unpacked_wheel_imports_and_serves_a_bundled_environment(wheel: Path, tmp_path: Path) -> None:
    """With only the wheel's files and the dependencies on the path, the package loads an environment."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    dependencies = sysconfig.get_paths()["purelib"]
    script = f"""
import sys
sys.path[:0] = [{str(site)!r}, {dependencies!r}]
import autoforge.servers as servers
assert servers.__file__.startswith({str(site)!r}), servers.__file__
from autoforge.servers import load_server
from autoforge.servers.locate import bundled_environments
names = [p.name for p in bundled_environments()]
assert "library-loans" in names, names
server = load_server(bundled_environments()[names.index("library-loans")])
print(len(server.environment.tasks))
try:
    import servers as bare
except ImportError:
    pass
else:
    raise SystemExit("a bare 'servers' module is importable: " + bare.__file__)
"""
    # -S: no site-packages processing, so the editable install of the working tree is not on the path
    result = subprocess.run([sys.executable, "-S", "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 10
