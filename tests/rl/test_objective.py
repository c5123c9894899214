"""The ERPO policy loss: masked tokens carry no gradient and do not count in the normaliser."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0, then '.[rl]')")

from autoforge.rl import erpo_policy_loss


def test_masked_tokens_get_exactly_zero_gradient_and_do_not_count() -> None:
    """Gradient flows only to unmasked tokens, and the loss is the mean over unmasked tokens."""
    log_probs = torch.tensor([[-1.0, -2.0], [-0.5, -0.7]], requires_grad=True)
    old = log_probs.detach().clone()
    advantages = torch.tensor([[2.0, 2.0], [-1.0, -1.0]])
    mask = torch.tensor([[1, 0], [0, 0]])
    loss = erpo_policy_loss(log_probs, old, advantages, mask)
    loss.backward()
    assert loss.item() == pytest.approx(-2.0)  # one unmasked token, ratio 1, advantage 2
    assert log_probs.grad is not None
    assert torch.equal(log_probs.grad[0, 1:], torch.zeros(1)) and torch.equal(log_probs.grad[1], torch.zeros(2))
    assert log_probs.grad[0, 0].item() == pytest.approx(-2.0)


def test_an_all_masked_batch_gives_zero_loss_and_no_nan() -> None:
    """With every token masked the loss is 0 and its gradient is all zeros."""
    log_probs = torch.zeros(2, 3, requires_grad=True)
    loss = erpo_policy_loss(log_probs, torch.full((2, 3), -50.0), torch.ones(2, 3), torch.zeros(2, 3))
    loss.backward()
    assert loss.item() == 0.0
    assert log_probs.grad is not None and torch.equal(log_probs.grad, torch.zeros(2, 3))


def test_ratios_are_clipped_in_the_direction_of_the_advantage() -> None:
    """A ratio above 1+eps with a positive advantage contributes (1+eps)*A and no gradient."""
    log_probs = torch.tensor([[0.5]], requires_grad=True)
    loss = erpo_policy_loss(log_probs, torch.tensor([[0.0]]), torch.tensor([[1.0]]), torch.ones(1, 1), 0.2, 0.2)
    loss.backward()
    assert loss.item() == pytest.approx(-1.2)
    assert log_probs.grad is not None and log_probs.grad.item() == 0.0
