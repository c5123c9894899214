"""Environment references `name@version` and semantic-version ordering."""

from __future__ import annotations

import re

from ..errors import RegistryError

__all__ = ["NAME_PATTERN", "SEMVER_PATTERN", "check_version", "parse_reference", "version_key"]

SEMVER_PATTERN = r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"


def parse_reference(reference: str) -> tuple[str, str | None]:
    """Split `name@version` (or a bare `name`) into its parts, checking both."""
    name, _, version = reference.partition("@")
    if not re.fullmatch(NAME_PATTERN, name):
        raise RegistryError(
            f"{reference!r} is not an environment reference: expected NAME or NAME@VERSION, "
            "with a kebab-case name such as library-loans@1.0.0"
        )
    return name, check_version(version) if version else None


def check_version(version: str) -> str:
    """`version` if it is a semantic version (1.2.3, 1.2.3-rc.1); else a RegistryError."""
    _semver(version)
    return version


def version_key(version: str) -> tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]:
    """A sort key that orders versions as semver does (a pre-release sorts before its release)."""
    major, minor, patch, pre = _semver(version).groups()
    identifiers = tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre.split(".")) if pre else ()
    return int(major), int(minor), int(patch), 0 if pre else 1, identifiers


def _semver(version: str) -> re.Match[str]:
    match = re.fullmatch(SEMVER_PATTERN, version)
    if match is None:
        raise RegistryError(f"{version!r} is not a semantic version such as 1.0.0")
    return match
