"""ERPO's replay buffer: veRL's synchronous replay buffer, plus environments for the estimator, DAPO on valid
rollouts and per-environment metrics.

The config selects it as veRL's custom sampler, so training runs in veRL's own `sync` trainer mode:

    trainer.v1.trainer_mode=sync
    trainer.v1.sampler.custom_sampler.path=pkg://autoforge.rl.replay
    trainer.v1.sampler.custom_sampler.name=ErpoReplayBuffer

For each batch it samples, it

- reads every trajectory's `env_id` (a column of the exported rows; veRL's agent-loop worker stores
  every dataset column with each trajectory) and publishes uid -> environment to the `erpo`
  estimator, which veRL's advantage step calls next, in this same trainer process;
- filters groups for DAPO (`algorithm.filter_groups`) on their *valid* rollouts only: a rollout with
  an all-zero response mask (a user error, an infra failure) does not count, so a group is dropped
  when none of its rollouts is valid, or when two or more are and all share the metric's value;
- adds the rollout metrics of `autoforge.rl.metrics` to the step's metrics, which veRL's tracking logs
  (console, wandb, tensorboard, mlflow: `trainer.logger`).

veRL hands a custom sampler only its basic arguments; the rest comes from `sampler_kwargs`, which the
written config fills by interpolation (`${algorithm.filter_groups}`, `${data.train_batch_size}`, ...).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Any

import transfer_queue as tq
from omegaconf import DictConfig, OmegaConf
from pydantic import BaseModel, ConfigDict, Field
from transfer_queue import KVBatchMeta
from verl.trainer.ppo.v1.replay_buffer import FILTER_GROUPS_REWARD_METRIC, ReplayBuffer

from .errors import TrainingError
from .estimator import publish_environments
from .metrics import Rollout, rollout_metrics

__all__ = ["ENV_FIELD", "ErpoReplayBuffer", "SamplerOptions", "group_signal"]

ENV_FIELD = "env_id"
_NO_VALID_ROLLOUT = math.nan
"""What a group with no valid rollout is classified as (filtered, but not counted under any reward level)."""


class FilterGroups(BaseModel):
    """veRL's `algorithm.filter_groups`, as the replay buffer reads it."""

    model_config = ConfigDict(extra="ignore")

    enable: bool = False
    metric: str | None = None
    max_inflight_gen_batches: int = Field(default=1, ge=1)


class SamplerOptions(BaseModel):
    """`trainer.v1.sampler.sampler_kwargs`: what veRL would have passed its built-in sync replay buffer."""

    model_config = ConfigDict(extra="forbid")

    train_batch_size: int = Field(ge=1)
    gen_batch_size: int | None = Field(default=None, ge=1)
    filter_groups: FilterGroups = Field(default_factory=FilterGroups)
    sync_refill_failed_groups: bool = False


def group_signal(values: list[float], valid: list[bool]) -> float | None:
    """How DAPO classifies a finished group: None keeps it; a value (or NaN: no valid rollout) drops it.

    Only valid rollouts count; the group is dropped when none is valid, or when two or more are and
    they all share one value (veRL's rule, applied to the valid ones: no learning signal).
    """
    kept = [v for v, ok in zip(values, valid, strict=True) if ok]
    if not kept:
        return _NO_VALID_ROLLOUT
    return kept[0] if len(kept) > 1 and all(v == kept[0] for v in kept) else None


class ErpoReplayBuffer(ReplayBuffer):
    """veRL's sync ReplayBuffer that also feeds ERPO its environments, counts only valid rollouts for DAPO,
    and reports per-environment metrics."""

    def __init__(self, trainer_mode: str, sampler_kwargs: Any = None, **kwargs: Any) -> None:
        if trainer_mode != "sync":
            raise TrainingError(
                f"ErpoReplayBuffer serves veRL's synchronous trainer; set trainer.v1.trainer_mode=sync (got {trainer_mode!r})"
            )
        raw = OmegaConf.to_container(sampler_kwargs, resolve=True) if isinstance(sampler_kwargs, DictConfig) else None
        options = SamplerOptions.model_validate(raw if raw is not None else dict(sampler_kwargs or {}))
        groups = options.filter_groups
        metric = groups.metric if groups.enable else None
        if groups.enable and not metric:
            raise TrainingError("algorithm.filter_groups.metric must be set when group filtering is enabled")
        exact = metric is not None or options.sync_refill_failed_groups
        super().__init__(
            trainer_mode=trainer_mode,
            sampler_kwargs=sampler_kwargs,
            filter_groups_metric=metric,
            train_batch_size=options.train_batch_size,
            gen_batch_size=1 if exact else (options.gen_batch_size or options.train_batch_size),
            max_inflight_gen_batches=groups.max_inflight_gen_batches,
            sync_refill_failed_groups=options.sync_refill_failed_groups,
            **kwargs,
        )
        self.filtered: Counter[str] = Counter()
        """Groups DAPO dropped during the current sample() call, per environment."""

    def _dapo_filtered_keys(self, partition_id: str) -> tuple[set[str], Counter[float]]:
        if partition_id == "val" or self.filter_groups_metric is None:
            return set(), Counter()
        finished = self.finished_keys[partition_id]
        cache = self._dapo_classification_cache[partition_id]
        for uid in cache.keys() - finished:
            del cache[uid]
        fresh = finished - cache.keys()
        keys = [key for key in self.partitions[partition_id] if key.split("_")[0] in fresh]
        values: dict[str, list[float]] = defaultdict(list)
        valid: dict[str, list[bool]] = defaultdict(list)
        environment: dict[str, str] = {}
        for key, row in zip(keys, self._rows(keys, partition_id), strict=True):
            uid = key.split("_")[0]
            values[uid].append(row["metric"])
            valid[uid].append(row["valid"])
            environment[uid] = row["env_id"]
        for uid in fresh:
            cache[uid] = group_signal(values[uid], valid[uid])
            if cache[uid] is not None:
                self.filtered[environment.get(uid, "unknown")] += 1
        dropped = {uid: value for uid, value in cache.items() if value is not None}
        return set(dropped), Counter(v for v in dropped.values() if not math.isnan(v))

    def _rows(self, keys: list[str], partition_id: str) -> list[dict[str, Any]]:
        """Metric value, validity and environment of each trajectory key."""
        if not keys:
            return []
        reward = self.filter_groups_metric == FILTER_GROUPS_REWARD_METRIC
        fields = [ENV_FIELD, "response_mask", "rm_scores" if reward else "extra_fields"]
        data = tq.kv_batch_get(keys=keys, partition_id=partition_id, select_fields=fields)
        rows = []
        metrics = list(data["rm_scores"]) if reward else _column(data, "extra_fields")
        columns = zip(keys, _column(data, ENV_FIELD), data["response_mask"], metrics, strict=True)
        for key, env, mask, value in columns:
            if reward:
                metric = float(value.sum().item())
            else:
                info = (value or {}).get("reward_extra_info", {})
                if self.filter_groups_metric not in info:
                    raise RuntimeError(f"trajectory {key} has no DAPO metric {self.filter_groups_metric!r}")
                metric = float(info[self.filter_groups_metric])
            rows.append({"metric": metric, "valid": bool(mask.sum().item() > 0), "env_id": str(env)})
        return rows

    def sample(self, global_steps: int, partition_id: str, batch_size: int) -> tuple[KVBatchMeta, dict[str, Any]]:
        """veRL's sync sampling; for training batches, publish environments and add the rollout metrics."""
        self.filtered.clear()
        batch, metrics = super().sample(global_steps=global_steps, partition_id=partition_id, batch_size=batch_size)
        if partition_id != "val" and batch.keys:
            rollouts = read_rollouts(batch)
            publish_environments({r.group: r.environment for r in rollouts})
            metrics.update(rollout_metrics(rollouts, self.filtered))
        return batch, metrics


def read_rollouts(batch: KVBatchMeta) -> list[Rollout]:
    """The sampled trajectories as metric rows, read from TransferQueue."""
    fields = ["uid", ENV_FIELD, "rm_scores", "response_mask", "extra_fields"]
    data = tq.kv_batch_get(keys=batch.keys, partition_id=batch.partition_id, select_fields=fields)
    columns = zip(
        batch.tags,
        _column(data, "uid"),
        _column(data, ENV_FIELD),
        data["rm_scores"],
        data["response_mask"],
        _column(data, "extra_fields"),
        strict=True,
    )
    rollouts = []
    for tag, uid, env, scores, mask, extra in columns:
        extra = extra or {}
        rollouts.append(
            Rollout(
                environment=str(env),
                group=str(uid),
                reward=float(scores.sum().item()),
                valid=bool(mask.sum().item() > 0),
                label=str(extra.get("label", "")),
                turns=int(extra.get("turns", 0)),
                tool_calls=int(extra.get("tool_calls", 0)),
                tool_errors=int(extra.get("tool_errors", 0)),
                response_length=int(tag.get("response_len", 0)),
            )
        )
    return rollouts


def _column(data: Any, name: str) -> list[Any]:
    """A non-tensor column of a TransferQueue batch as a list; a batch without `env_id` names the way out."""
    try:
        values = data.get(name)
    except KeyError:
        values = None
    if values is None:
        raise TrainingError(
            f"the sampled trajectories have no {name!r} field; train on data written by `autoforge rl export`"
        )
    return [getattr(value, "data", value) for value in values]
