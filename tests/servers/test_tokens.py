"""Bearer tokens come from environment variables: several per variable, each long enough to guess at no cost."""

from __future__ import annotations

import pytest
from autoforge.servers import AccessError, read_tokens

LONG_A, LONG_B, LONG_C = "a" * 16, "b-._~+/=" * 3, "C" * 40


def test_a_variable_holds_tokens_separated_by_commas_or_whitespace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commas, spaces and newlines all separate tokens; a token named twice counts once, in first-seen order."""
    monkeypatch.setenv("FIRST", f" {LONG_A},{LONG_B}\n{LONG_A} ")
    monkeypatch.setenv("SECOND", f"{LONG_C}, ")
    assert read_tokens(["FIRST", "SECOND"]) == [LONG_A, LONG_B, LONG_C]


@pytest.mark.parametrize(
    ("value", "problem"),
    [(None, "holds no token"), (" , ", "holds no token"), ("x" * 15, "at least 16 characters"), ("é" * 20, "letters")],
)
def test_an_unusable_variable_is_refused_with_how_to_make_a_token(
    monkeypatch: pytest.MonkeyPatch, value: str | None, problem: str
) -> None:
    """Unset, empty, short or oddly spelled: each names the variable and how to make a good token."""
    if value is None:
        monkeypatch.delenv("TOKENS", raising=False)
    else:
        monkeypatch.setenv("TOKENS", value)
    with pytest.raises(AccessError, match=problem) as refused:
        read_tokens(["TOKENS"])
    assert "TOKENS" in str(refused.value) and "secrets.token_urlsafe" in str(refused.value)
    assert refused.value.exit_code == 2
