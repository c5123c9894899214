"""Checks before a training run: does the config launch, and does veRL's trainer load the data?

    autoforge rl check runs/rl-config [HYDRA_OVERRIDES...]

`check_config` composes nothing and starts nothing: it reads a composed config and lists what
would stop or silently spoil a run. Every key the written config sets must exist in veRL's own
`ppo_trainer` config; the sections veRL turns into dataclasses (algorithm, actor, rollout) must
convert, ours must validate (`algorithm.erpo`, `autoforge`, the replay buffer's `sampler_kwargs`,
`data.prompts_per_environment`), and the numbers must fit together: at least one batch of
training prompts, token budgets that hold a whole prompt plus response, veRL's synchronous
trainer with ERPO's replay buffer (otherwise ERPO silently groups by prompt), one way of setting
Dr. GRPO. `dry_run` then does what veRL's trainer does before it starts workers: it builds the
trainer (and with it the replay buffer), the tokenizer and the data loaders, and draws one batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from pydantic import BaseModel, ValidationError

from .config import DATASET, SAMPLER
from .dataset import count_rows
from .errors import TrainingError
from .paths import CONFIG_NAME
from .replay import SamplerOptions
from .settings import ErpoConfig, LoopSettings

__all__ = ["DryRun", "check_config", "compose_config", "dry_run"]

OURS = ("algorithm.erpo", "autoforge", "data.prompts_per_environment", "trainer.v1.sampler.sampler_kwargs")
"""Keys veRL does not know: ERPO's own, validated by its models."""


def compose_config(folder: Path, overrides: Sequence[str] = (), name: str = CONFIG_NAME) -> DictConfig:
    """The config in `folder` composed over veRL's ppo_trainer with Hydra `overrides`, as veRL's main does."""
    from hydra import compose, initialize_config_dir
    from hydra.errors import HydraException

    if not (folder / f"{name}.yaml").is_file():
        raise TrainingError(f"no {name}.yaml in {folder}; write one with: autoforge rl config --out {folder}")
    try:
        with initialize_config_dir(config_dir=str(folder.resolve()), version_base=None):
            return compose(name, overrides=list(overrides))
    except HydraException as exc:
        raise TrainingError(f"veRL's config does not compose with {folder / name}.yaml: {exc}") from None


def check_config(config: DictConfig) -> list[str]:
    """What stops or spoils a run with the composed `config`; [] when it launches."""
    problems: list[str] = []
    problems += _unknown_keys(config)
    problems += _verl_dataclasses(config)
    problems += _our_sections(config)
    problems += _data_sizes(config)
    problems += _token_budgets(config)
    return problems


def _leaves(node: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict) and value:
                yield from _leaves(value, path)
            else:
                yield path


def _unknown_keys(config: DictConfig) -> list[str]:
    from hydra import compose, initialize_config_module

    with initialize_config_module(config_module="verl.trainer.config", version_base=None):
        base = OmegaConf.to_container(compose("ppo_trainer"), resolve=False)
    ours = OmegaConf.to_container(config, resolve=False)
    problems = []
    for path in _leaves(ours):
        if path.split(".")[0] in ("hydra", "defaults") or any(path == o or path.startswith(f"{o}.") for o in OURS):
            continue
        if not _known(base, path.split(".")):
            problems.append(f"{path} is not a key of veRL's ppo_trainer config (a typo, or a key this veRL lacks)")
    return problems


def _known(base: Any, parts: list[str]) -> bool:
    """Whether veRL's config has the key `parts`, or leaves the mapping that would hold it open (`{}`)."""
    for part in parts:
        if not isinstance(base, dict):
            return False
        if not base:
            return True
        if part not in base:
            return False
        base = base[part]
    return True


def _verl_dataclasses(config: DictConfig) -> list[str]:
    from verl.trainer.ppo.utils import need_critic, need_reference_policy
    from verl.utils.config import omega_conf_to_dataclass, validate_config

    problems = []
    algorithm = OmegaConf.masked_copy(config.algorithm, [k for k in config.algorithm if k != "erpo"])
    sections = {
        "algorithm": algorithm,
        "actor_rollout_ref.actor": config.actor_rollout_ref.actor,
        "actor_rollout_ref.rollout": config.actor_rollout_ref.rollout,
    }
    for name, section in sections.items():
        try:
            omega_conf_to_dataclass(section)
        except Exception as exc:  # noqa: BLE001 - hydra and OmegaConf raise several types; each is a finding
            problems.append(f"{name} does not convert to veRL's dataclass: {_first_line(exc)}")
    try:
        validate_config(config, use_reference_policy=need_reference_policy(config), use_critic=need_critic(config))
    except Exception as exc:  # noqa: BLE001 - veRL asserts, raises ValueError or hydra's errors; each is a finding
        problems.append(f"veRL's validate_config refuses the config: {_first_line(exc)}")
    return problems


def _our_sections(config: DictConfig) -> list[str]:
    problems = []
    algorithm = config.algorithm
    models: dict[str, tuple[type[BaseModel], Any]] = {
        "algorithm.erpo": (ErpoConfig, algorithm.get("erpo", None) or {}),
        "autoforge": (LoopSettings, config.get("autoforge", None) or {}),
    }
    sampler = config.trainer.v1.sampler
    ours = OmegaConf.to_container(sampler.custom_sampler, resolve=True) == SAMPLER
    if ours:
        models["trainer.v1.sampler.sampler_kwargs"] = (SamplerOptions, sampler.sampler_kwargs)
    for name, (model, section) in models.items():
        data = OmegaConf.to_container(section, resolve=True) if isinstance(section, DictConfig) else section
        try:
            model.model_validate(data)
        except ValidationError as exc:
            problems.append(f"{name}: {_pydantic_problem(exc)}")
    if algorithm.adv_estimator == "erpo":
        if config.trainer.v1.trainer_mode != "sync":
            problems.append(
                f"trainer.v1.trainer_mode={config.trainer.v1.trainer_mode}: ERPO runs in veRL's synchronous "
                "trainer; set trainer.v1.trainer_mode=sync"
            )
        if not ours:
            problems.append(
                "trainer.v1.sampler.custom_sampler is not ERPO's replay buffer, so the estimator never learns the "
                f"environments and groups by prompt (plain GRPO); set it to {SAMPLER}"
            )
    erpo_norm = (algorithm.get("erpo", None) or {}).get("norm_by_std", None)
    if erpo_norm is not None and bool(erpo_norm) != bool(algorithm.norm_adv_by_std_in_grpo):
        problems.append(
            f"algorithm.erpo.norm_by_std={erpo_norm} contradicts algorithm.norm_adv_by_std_in_grpo="
            f"{algorithm.norm_adv_by_std_in_grpo}; set only algorithm.norm_adv_by_std_in_grpo (false: Dr. GRPO)"
        )
    per = config.data.get("prompts_per_environment", None)
    if config.data.custom_cls.get("path", None) == DATASET["path"] and (not isinstance(per, int) or per < 1):
        problems.append(f"data.prompts_per_environment must be a positive integer, got {per!r}")
    return problems


def _data_sizes(config: DictConfig) -> list[str]:
    data = config.data
    problems = []
    try:
        train = sum(sum(count_rows(Path(f)).values()) for f in _files(data.train_files))
        validation = sum(sum(count_rows(Path(f)).values()) for f in _files(data.val_files))
    except TrainingError as exc:
        return [str(exc)]
    if train < data.train_batch_size:
        problems.append(
            f"the training data holds {train} prompts, fewer than one batch (data.train_batch_size="
            f"{data.train_batch_size}): veRL would run 0 steps per epoch; lower the batch size or export more"
        )
    testing = config.trainer.get("val_before_train", True) or config.trainer.get("test_freq", -1) > 0
    if validation == 0 and testing:
        problems.append("the validation data is empty but validation runs; set trainer.val_before_train=false")
    return problems


def _token_budgets(config: DictConfig) -> list[str]:
    data, model = config.data, config.actor_rollout_ref
    longest = data.max_prompt_length + data.max_response_length
    budgets = {"actor_rollout_ref.actor.ppo_max_token_len_per_gpu": model.actor.ppo_max_token_len_per_gpu}
    if model.actor.use_dynamic_bsz:
        budgets["actor_rollout_ref.rollout.log_prob_max_token_len_per_gpu"] = (
            model.rollout.log_prob_max_token_len_per_gpu
        )
        budgets["actor_rollout_ref.ref.log_prob_max_token_len_per_gpu"] = model.ref.log_prob_max_token_len_per_gpu
    limit = model.rollout.get("max_model_len", None)
    if limit is not None:
        budgets["actor_rollout_ref.rollout.max_model_len"] = limit
    return [
        f"{name}={value} cannot hold one trajectory of {longest} tokens (data.max_prompt_length + "
        f"data.max_response_length); set it to at least {longest}"
        for name, value in budgets.items()
        if value < longest and (model.actor.use_dynamic_bsz or name.endswith("max_model_len"))
    ]


def _files(files: Any) -> list[str]:
    return [str(files)] if isinstance(files, str) else [str(f) for f in files]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _pydantic_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"])
    return f"{where}: {error['msg']}" if where else error["msg"]


@dataclass
class DryRun:
    """What veRL's trainer set up before it would start workers."""

    trainer: str
    trainer_mode: str
    replay_buffer: str
    train_prompts: int
    validation_prompts: int
    steps_per_epoch: int
    total_steps: int
    first_batch: Counter[str]


def dry_run(folder: Path, overrides: Sequence[str] = ()) -> DryRun:
    """Compose and check the config, then build veRL's trainer, tokenizer and data loaders and draw one batch."""
    from verl.trainer.ppo.v1 import get_trainer_cls

    config = compose_config(folder, overrides)
    problems = check_config(config)
    if problems:
        raise TrainingError("the config would not train:\n  - " + "\n  - ".join(problems))
    OmegaConf.resolve(config)
    try:
        trainer = get_trainer_cls(config.trainer.v1.trainer_mode)(config=config)
        trainer._init_tokenizer()  # type: ignore[no-untyped-call]
        trainer._init_dataloader()  # type: ignore[no-untyped-call]
        trainer.global_steps = 0  # what veRL's checkpoint loading sets for a fresh run
        batch = trainer._next_train_batch()
    except Exception as exc:
        raise TrainingError(f"veRL's trainer setup failed: {type(exc).__name__}: {_first_line(exc)}") from exc
    return DryRun(
        trainer=type(trainer).__name__,
        trainer_mode=trainer.trainer_mode,
        replay_buffer=type(trainer.replay_buffer).__name__,
        train_prompts=len(trainer.train_dataset),
        validation_prompts=len(trainer.val_dataset),
        steps_per_epoch=trainer.steps_per_epoch,
        total_steps=trainer.total_training_steps,
        first_batch=Counter(str(e) for e in batch["env_id"]),
    )
