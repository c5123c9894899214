"""References and versions: NAME@VERSION parsing and semver ordering."""

from __future__ import annotations

import pytest
from autoforge.servers import RegistryError
from autoforge.servers.registry import parse_reference, version_key
from hypothesis import given
from hypothesis import strategies as st


def test_references_split_into_name_and_version() -> None:
    """`name@1.2.3` and bare `name` parse; bad names and versions are refused with an example."""
    assert parse_reference("library-loans@1.2.3") == ("library-loans", "1.2.3")
    assert parse_reference("library-loans") == ("library-loans", None)
    with pytest.raises(RegistryError, match="library-loans@1.0.0"):
        parse_reference("Library Loans@1")
    with pytest.raises(RegistryError, match="not a semantic version"):
        parse_reference("library-loans@latest")


numbers = st.integers(min_value=0, max_value=10_000)


@given(st.tuples(numbers, numbers, numbers), st.tuples(numbers, numbers, numbers))
def test_release_order_is_numeric(a: tuple[int, int, int], b: tuple[int, int, int]) -> None:
    """Release versions order like their number triples, not like strings."""
    key_a, key_b = version_key(".".join(map(str, a))), version_key(".".join(map(str, b)))
    assert (key_a < key_b) == (a < b)


def test_pre_releases_sort_before_their_release() -> None:
    """1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-beta < 1.0.0-rc.1 < 1.0.0 (build metadata ignored)."""
    ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0-rc.1", "1.0.0+build.5"]
    assert sorted(ordered, key=version_key) == ordered
