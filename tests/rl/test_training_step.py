"""End to end on CPU in plain torch: a tiny random policy's rollouts on bundled environments, ERPO, one step.

The policy is a small GRU over a per-task action vocabulary (the task's tool calls and the oracle's
report to the user), sampled with a fixed seed; a random policy then succeeds on some rollouts and
fails on others, so advantages are not all zero. Episodes run through the orchestrator's episode loop
over in-process MCP with the scripted user; one rollout per environment has an LLM user (replayed)
that breaks its scenario, and those rollouts must get exactly zero gradient.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0, then '.[rl]')")
pytest.importorskip("openai", reason="the llm extra is not installed (pip install -e '.[dev]')")

from autoforge.clients import (
    Agent,
    AgentContext,
    AgentTurn,
    Connection,
    Endpoint,
    Event,
    Limits,
    ToolCall,
    make_user,
    run_episode,
)
from autoforge.rl import environment, erpo_advantages, erpo_policy_loss, validity
from autoforge.servers import Task, oracle_transcript

from .conftest import ChatReplay

ENVS = ("library-loans", "clinic-appointments")
TASKS_PER_ENV = 3
ROLLOUTS = 4
STEPS = 6
VOCAB = 8


class TinyPolicy(torch.nn.Module):
    """A GRU over the actions taken so far, scoring the next action."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(VOCAB + 1, 8)
        self.gru = torch.nn.GRU(8, 8, batch_first=True)
        self.head = torch.nn.Linear(8, VOCAB)

    def forward(self, actions: torch.Tensor, sizes: torch.Tensor) -> torch.Tensor:
        """Log-probabilities `[batch, steps, VOCAB]` of each next action given the previous ones (action VOCAB = start)."""
        start = torch.full((actions.shape[0], 1), VOCAB, dtype=torch.long)
        hidden, _ = self.gru(self.embed(torch.cat([start, actions[:, :-1]], dim=1)))
        allowed = torch.arange(VOCAB) < sizes[:, None, None]
        return torch.log_softmax(self.head(hidden).masked_fill(~allowed, float("-inf")), dim=-1)


def task_actions(task: Task) -> list[AgentTurn]:
    """The task's action vocabulary: each solution call and the oracle's report (which ends the episode)."""
    calls = [
        AgentTurn(tool_calls=[ToolCall(id=f"c{i}", name=node.tool, arguments=dict(node.arguments))])
        for i, node in enumerate(task.solution.calls)
    ]
    return [*calls, AgentTurn(text=oracle_transcript(task)[0])]


@dataclass
class PolicyAgent(Agent):
    """Samples the next action of one episode from the tiny policy."""

    policy: TinyPolicy
    actions: list[AgentTurn]
    generator: torch.Generator
    taken: list[int] = field(default_factory=list)
    name: str = "tiny"

    async def act(self, context: AgentContext, history: Sequence[Event]) -> AgentTurn:
        with torch.no_grad():
            padded = torch.tensor([[*self.taken, 0]])
            log_probs = self.policy(padded, torch.tensor([len(self.actions)]))[0, len(self.taken)]
        choice = int(torch.multinomial(log_probs.exp(), 1, generator=self.generator))
        self.taken.append(choice)
        return self.actions[choice]


@dataclass
class Rollouts:
    """A batch of rollouts as tensors: actions, masks, rewards, environment and prompt ids."""

    actions: torch.Tensor
    sizes: torch.Tensor
    mask: torch.Tensor
    rewards: torch.Tensor
    envs: list[str]
    uids: list[str]
    masked: torch.Tensor


async def collect(policy: TinyPolicy) -> Rollouts:
    generator = torch.Generator().manual_seed(7)
    rows: list[tuple[str, str, list[int], int, float, bool]] = []
    for env_name in ENVS:
        env = environment(env_name)
        connection = Connection(Endpoint(env))
        await connection.open()
        try:
            tasks = [t for t in env.tasks.values() if t.split == "train"][:TASKS_PER_ENV]
            for t, task in enumerate(tasks):
                for r in range(ROLLOUTS):
                    liar = t == 0 and r == 0
                    user_options = {"client": ChatReplay("openai_user_reveals_member_id.json").client()}
                    user = (
                        make_user("openai:gpt-4.1-mini", task, **user_options) if liar else make_user("scripted", task)
                    )
                    agent = PolicyAgent(policy, task_actions(task), generator)
                    attempt = await run_episode(connection, task, agent, user, limits=Limits(max_steps=STEPS))
                    label = "user" if attempt.user_errors else attempt.label  # MEU: a user error masks a pass too
                    masked = not bool(validity([label])[0])
                    rows.append(
                        (env.name, f"{env.name}/{task.id}", agent.taken, len(agent.actions), attempt.reward, masked)
                    )
        finally:
            await connection.shutdown()
    actions = torch.zeros(len(rows), STEPS, dtype=torch.long)
    mask = torch.zeros(len(rows), STEPS)
    rewards = torch.zeros(len(rows), STEPS)
    for i, (_, _, taken, _, reward, masked) in enumerate(rows):
        actions[i, : len(taken)] = torch.tensor(taken)
        mask[i, : len(taken)] = 0.0 if masked else 1.0
        rewards[i, len(taken) - 1] = reward
    return Rollouts(
        actions,
        torch.tensor([row[3] for row in rows]),
        mask,
        rewards,
        [row[0] for row in rows],
        [row[1] for row in rows],
        torch.tensor([row[5] for row in rows]),
    )


def loss_and_logits(policy: TinyPolicy, batch: Rollouts) -> tuple[torch.Tensor, torch.Tensor]:
    advantages = erpo_advantages(batch.rewards, batch.mask, batch.uids, batch.envs)
    log_probs = policy(batch.actions, batch.sizes)
    log_probs.retain_grad()
    taken = log_probs.gather(-1, batch.actions.unsqueeze(-1)).squeeze(-1)
    taken = torch.where(batch.mask > 0, taken, 0.0)  # padding steps pick action 0, which may be disallowed
    return erpo_policy_loss(taken, taken.detach(), advantages, batch.mask), log_probs


async def test_one_erpo_step_gives_user_error_rollouts_exactly_zero_gradient() -> None:
    """Rollouts, ERPO advantages, the masked policy-gradient loss and one optimizer step: the user-error rollouts
    get exactly zero gradient, the others move the policy, and what masked rows contain does not matter."""
    torch.manual_seed(0)
    policy = TinyPolicy()
    batch = await collect(policy)

    assert batch.masked.sum().item() == len(ENVS)  # the replayed user broke its scenario once per environment
    for env in ENVS:
        rewards = batch.rewards.sum(-1)[[e == env for e in batch.envs]]
        assert rewards.min() < rewards.max()  # a random policy both succeeds and fails: advantages are not all 0

    loss, log_probs = loss_and_logits(policy, batch)
    loss.backward()
    assert log_probs.grad is not None
    assert torch.equal(log_probs.grad[batch.masked], torch.zeros_like(log_probs.grad[batch.masked]))
    assert log_probs.grad[~batch.masked].abs().sum() > 0
    grads = [p.grad.clone() for p in policy.parameters() if p.grad is not None]

    scrambled = Rollouts(
        torch.where(batch.masked[:, None], (batch.actions + 1) % 2, batch.actions),
        batch.sizes,
        batch.mask,
        torch.where(batch.masked[:, None], 5.0, batch.rewards),
        batch.envs,
        batch.uids,
        batch.masked,
    )
    policy.zero_grad()
    loss_and_logits(policy, scrambled)[0].backward()
    assert all(torch.equal(g, p.grad) for g, p in zip(grads, policy.parameters(), strict=True))

    before = [p.detach().clone() for p in policy.parameters()]
    torch.optim.SGD(policy.parameters(), lr=0.1).step()
    assert any(not torch.equal(b, p) for b, p in zip(before, policy.parameters(), strict=True))
