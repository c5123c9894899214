"""Instructions and user scenarios: the user's goal and knowledge, nothing the agent must look up."""

from __future__ import annotations

from autoforge.synthesizer import SynthResult
from autoforge.synthesizer.instantiate import fact_text


def test_facts_are_written_the_way_the_verifier_reads_them() -> None:
    """Money has two decimals, other numbers are plain, booleans are yes or no."""
    assert (
        fact_text(1234.5, "money"),
        fact_text(3, "quantity"),
        fact_text(2.0, "number"),
        fact_text(True, "bool"),
    ) == ("1234.50", "3", "2", "yes")


def test_instructions_state_known_values_and_hide_ids(small_env: SynthResult) -> None:
    """Every value the user states is in the scenario's known facts; no key the agent looks up is in the text."""
    keys = {"customerId", "orderId"}
    for task in small_env.tasks:
        assert task.instruction and not task.instruction.startswith(" ")
        assert "customer id" in task.user.unknown or "order id" in task.user.unknown
        for call in task.solution.calls:
            for name, value in call.arguments.items():
                if name in keys:
                    assert str(value) not in task.instruction
        for value in task.user.known_facts.values():
            assert str(value).lower() in task.instruction.lower() or isinstance(value, (int, float))


def test_facts_to_tell_are_not_given_away(small_env: SynthResult) -> None:
    """A fact the agent must report never already appears in the instruction."""
    for task in small_env.tasks:
        for fact in task.expected.facts:
            assert fact.lower() not in task.instruction.lower()
