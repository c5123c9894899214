#!/usr/bin/env bash
# ERPO on a Ray cluster, the paper's scale: 8 nodes x 8 GPUs, Qwen3-30B-A3B-Thinking, 32 prompts x 8 rollouts.
# Start the cluster first: on the head `ray start --head --port=6379`, on each worker
# `ray start --address=HEAD_IP:6379`; install AutoForge with the rl extra on every node and keep the
# environment folders and DATA at the same path everywhere (a shared file system): the parquet rows name
# the environment folders, and veRL's task runner may read the data on any node. Then run this on the head.
# Extra arguments are Hydra overrides. Set ENDPOINT and ENDPOINT_MODEL for an LLM simulated user and judge.
set -euo pipefail

ENVS=${ENVS:-"retail-orders flight-booking hotel-reservations event-ticketing helpdesk-tickets personal-banking library-loans clinic-appointments"}
DATA=${DATA:-$PWD/data}
MODEL=${MODEL:-Qwen/Qwen3-30B-A3B-Thinking-2507}
CONFIG=${CONFIG:-runs/rl-config}
NNODES=${NNODES:-8}
endpoint=()
if [[ -n "${ENDPOINT:-}" ]]; then endpoint=(--endpoint "$ENDPOINT" --endpoint-model "$ENDPOINT_MODEL"); fi

autoforge rl export $ENVS --out "$DATA"
autoforge rl config --data "$DATA" --out "$CONFIG" --model "$MODEL" --nnodes "$NNODES" --gpus-per-node 8 "${endpoint[@]}"

RAY_ADDRESS=${RAY_ADDRESS:-auto} "$CONFIG/train.sh" \
    trainer.nnodes="$NNODES" trainer.n_gpus_per_node=8 \
    actor_rollout_ref.rollout.tensor_model_parallel_size=4 \
    "$@"
