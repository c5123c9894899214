"""The ERPO policy loss (the paper's Eq. 2): clipped policy gradient averaged over unmasked tokens only.

    loss = - sum_t m_t * min(rho_t * A_t, clip(rho_t, 1 - eps_low, 1 + eps_high) * A_t) / sum_t m_t

`m` is the response mask: 1 on the policy's own tokens, 0 on user and tool tokens, padding and every
token of a masked (user-error or infra) trajectory, so those contribute no gradient and do not count
in the normaliser. Token-level ratios and a token mean, as veRL's `token-mean` aggregation; the KL
term is left to the trainer.
"""

from __future__ import annotations

import torch

__all__ = ["erpo_policy_loss"]


def erpo_policy_loss(
    log_probs: torch.Tensor,
    old_log_probs: torch.Tensor,
    advantages: torch.Tensor,
    response_mask: torch.Tensor,
    clip_low: float = 0.2,
    clip_high: float = 0.2,
) -> torch.Tensor:
    """The clipped surrogate loss over `[batch, length]` tensors; 0 (with a gradient of 0) when all is masked."""
    mask = response_mask.to(log_probs.dtype)
    ratio = torch.exp(torch.where(mask > 0, log_probs - old_log_probs, 0.0))
    surrogate = torch.minimum(ratio * advantages, ratio.clamp(1 - clip_low, 1 + clip_high) * advantages)
    return -(torch.where(mask > 0, surrogate, 0.0)).sum() / mask.sum().clamp(min=1)
