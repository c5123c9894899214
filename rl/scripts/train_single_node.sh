#!/usr/bin/env bash
# ERPO on one 8-GPU node: export the data, write the config and its launch script, check, train.
# The paper trained Qwen3-30B-A3B-Thinking with 32 prompts x 8 rollouts on 64 GPUs; one node keeps the
# batch shape and trades time for GPUs. Extra arguments are Hydra overrides, e.g. trainer.total_epochs=5.
# Set ENDPOINT and ENDPOINT_MODEL (an OpenAI-compatible server) for an LLM simulated user and judge.
set -euo pipefail

ENVS=${ENVS:-"retail-orders flight-booking hotel-reservations event-ticketing helpdesk-tickets personal-banking library-loans clinic-appointments"}
DATA=${DATA:-$PWD/data}
MODEL=${MODEL:-Qwen/Qwen3-30B-A3B-Thinking-2507}
CONFIG=${CONFIG:-runs/rl-config}
endpoint=()
if [[ -n "${ENDPOINT:-}" ]]; then endpoint=(--endpoint "$ENDPOINT" --endpoint-model "$ENDPOINT_MODEL"); fi

autoforge rl export $ENVS --out "$DATA"
autoforge rl config --data "$DATA" --out "$CONFIG" --model "$MODEL" --nnodes 1 --gpus-per-node 8 "${endpoint[@]}"

"$CONFIG/train.sh" \
    trainer.nnodes=1 trainer.n_gpus_per_node=8 \
    actor_rollout_ref.rollout.tensor_model_parallel_size=4 \
    actor_rollout_ref.actor.fsdp_config.param_offload=True \
    actor_rollout_ref.actor.fsdp_config.optimizer_offload=True \
    "$@"
