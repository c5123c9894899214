"""Publishing environments: packing, registry.json, install with sha256 checks, MCP manifests, cards."""

from __future__ import annotations

from typing import TYPE_CHECKING

from autoforge.lazy import lazy_exports

if TYPE_CHECKING:
    from .archive import Limits, read_archive, write_archive
    from .card import render_card, write_card
    from .clients import CLIENTS, LAUNCHERS, client_config, server_command
    from .describe import describe_environment
    from .index import INDEX_FILE, SCHEMA_PATH, RegistryEntry, RegistryIndex, index_schema, parse_index
    from .install import InstallResult, Verification, install, verify_installed, verify_registry
    from .lock import LOCK_FILE, LockEntry, LockFile, installed_folder, read_lock
    from .manifest import DEFAULT_NAMESPACE, SERVER_SCHEMA_URL, server_manifest, write_server_json
    from .pack import PackedEnvironment, pack_environment
    from .publish import PublishResult, publish
    from .readme import readme_card, write_readme
    from .references import parse_reference, version_key
    from .serve import registry_app, serve_registry
    from .sources import Registry, open_registry
    from .summary import Counts, DifficultySummary, counts_of, difficulty_of

_HOMES = {
    "CLIENTS": "clients",
    "Counts": "summary",
    "DEFAULT_NAMESPACE": "manifest",
    "DifficultySummary": "summary",
    "INDEX_FILE": "index",
    "InstallResult": "install",
    "LAUNCHERS": "clients",
    "LOCK_FILE": "lock",
    "Limits": "archive",
    "LockEntry": "lock",
    "LockFile": "lock",
    "PackedEnvironment": "pack",
    "PublishResult": "publish",
    "Registry": "sources",
    "RegistryEntry": "index",
    "RegistryIndex": "index",
    "SCHEMA_PATH": "index",
    "SERVER_SCHEMA_URL": "manifest",
    "Verification": "install",
    "client_config": "clients",
    "counts_of": "summary",
    "describe_environment": "describe",
    "difficulty_of": "summary",
    "index_schema": "index",
    "install": "install",
    "installed_folder": "lock",
    "open_registry": "sources",
    "pack_environment": "pack",
    "parse_index": "index",
    "parse_reference": "references",
    "publish": "publish",
    "read_archive": "archive",
    "read_lock": "lock",
    "readme_card": "readme",
    "registry_app": "serve",
    "render_card": "card",
    "serve_registry": "serve",
    "server_command": "clients",
    "server_manifest": "manifest",
    "verify_installed": "install",
    "verify_registry": "install",
    "version_key": "references",
    "write_archive": "archive",
    "write_card": "card",
    "write_readme": "readme",
    "write_server_json": "manifest",
}
__all__ = [
    "CLIENTS",
    "Counts",
    "DEFAULT_NAMESPACE",
    "DifficultySummary",
    "INDEX_FILE",
    "InstallResult",
    "LAUNCHERS",
    "LOCK_FILE",
    "Limits",
    "LockEntry",
    "LockFile",
    "PackedEnvironment",
    "PublishResult",
    "Registry",
    "RegistryEntry",
    "RegistryIndex",
    "SCHEMA_PATH",
    "SERVER_SCHEMA_URL",
    "Verification",
    "client_config",
    "counts_of",
    "describe_environment",
    "difficulty_of",
    "index_schema",
    "install",
    "installed_folder",
    "open_registry",
    "pack_environment",
    "parse_index",
    "parse_reference",
    "publish",
    "read_archive",
    "read_lock",
    "readme_card",
    "registry_app",
    "render_card",
    "serve_registry",
    "server_command",
    "server_manifest",
    "verify_installed",
    "verify_registry",
    "version_key",
    "write_archive",
    "write_card",
    "write_readme",
    "write_server_json",
]
__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
