"""Publishing environments: packing, registry.json, install with sha256 checks, MCP manifests, cards."""

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

__all__ = [
    "CLIENTS",
    "DEFAULT_NAMESPACE",
    "INDEX_FILE",
    "LAUNCHERS",
    "LOCK_FILE",
    "SCHEMA_PATH",
    "SERVER_SCHEMA_URL",
    "Counts",
    "DifficultySummary",
    "InstallResult",
    "Limits",
    "LockEntry",
    "LockFile",
    "PackedEnvironment",
    "PublishResult",
    "Registry",
    "RegistryEntry",
    "RegistryIndex",
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
