#!/usr/bin/env bash
# ERPO on one 8-GPU node: export the data, write the config, train.
# The paper trained Qwen3-30B-A3B-Thinking with 32 prompts x 8 rollouts on 64 GPUs; one node keeps the
# batch shape and trades time for GPUs. Extra arguments are Hydra overrides, e.g. autoforge.user=openai:gpt-4.1
set -euo pipefail

ENVS=${ENVS:-"servers/library-loans servers/clinic-appointments"}
DATA=${DATA:-$PWD/data}
MODEL=${MODEL:-Qwen/Qwen3-30B-A3B-Thinking-2507}
CONFIG=${CONFIG:-runs/erpo}

autoforge rl export $ENVS --out "$DATA"
autoforge rl config --out "$CONFIG" --data "$DATA" --model "$MODEL" --nnodes 1 --gpus-per-node 8

python -m verl.trainer.main_ppo \
    --config-path="$(cd "$CONFIG" && pwd)" --config-name=erpo \
    trainer.nnodes=1 trainer.n_gpus_per_node=8 \
    actor_rollout_ref.rollout.tensor_model_parallel_size=4 \
    actor_rollout_ref.actor.fsdp_config.param_offload=True \
    actor_rollout_ref.actor.fsdp_config.optimizer_offload=True \
    "$@"
