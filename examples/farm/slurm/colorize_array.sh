#!/usr/bin/env bash
# SLURM job array: each array task colorizes one contiguous shard of the shot.
#
#   sbatch --array=0-7 examples/farm/slurm/colorize_array.sh SHOT_DIR SHEET OUT [colorframes flags...]
#   FRAMES=1001-1100 sbatch --array=0-3 examples/farm/slurm/colorize_array.sh lineart/sh010 sheet.png out
#
# `--shard auto` reads SLURM_ARRAY_TASK_ID / _MIN / _COUNT (or _MAX and _STEP) and takes shard
# (ID-MIN)/STEP+1 of COUNT: a deterministic contiguous split, so tasks never overlap and a requeued
# task (`--requeue`, or `scontrol requeue`) only renders the frames its shard is still missing.
# Uniform arrays only (`--array=0-7`, `--array=0-6:2`, `%N` limits): a list such as `--array=1,3,8`
# exits 2 in every task. All tasks share OUT; colorframes updates the per-shot sidecar under a file lock.
# The script `exec`s colorframes, so the array task's exit code is colorframes' exit code
# (0 done, 1 some frame failed, 2 usage/input error, 3 weights missing, 130 interrupted), and
# `scontrol show job` / `sacct` show it as ExitCode=N:0 per task.
#
# Environment: FRAMES (a --frames spec), BACKEND (default flat), COLORFRAMES (the executable, default
# `colorframes` on PATH) or COLORFRAMES_PYTHON (an interpreter: runs `$COLORFRAMES_PYTHON -m colorframes`,
# e.g. a venv that is not on the nodes' PATH). sbatch passes the submitting shell's environment on.
# After the array: `sbatch --dependency=afterok:JOBID examples/farm/slurm/review_after.sh OUT`.
#
#SBATCH --job-name=colorframes
#SBATCH --array=0-3
#SBATCH --cpus-per-task=4
#SBATCH --mem=8G
#SBATCH --time=02:00:00
#SBATCH --output=colorframes-%A_%a.log
#SBATCH --open-mode=append
# For the diffusion backend, request a GPU (remove one leading '#'):
##SBATCH --gres=gpu:1
set -euo pipefail

if [[ $# -lt 3 ]]; then
    echo "usage: sbatch --array=0-N $0 SHOT_DIR SHEET OUT [colorframes flags...]" >&2
    exit 2
fi
SHOT_DIR=$1
SHEET=$2
OUT=$3
shift 3

if [[ -n ${COLORFRAMES_PYTHON:-} ]]; then
    colorframes=("$COLORFRAMES_PYTHON" -m colorframes)
else
    colorframes=("${COLORFRAMES:-colorframes}")
fi
BACKEND=${BACKEND:-flat}
frames_args=()
if [[ -n ${FRAMES:-} ]]; then
    frames_args=(--frames "$FRAMES")
fi

echo "array job ${SLURM_ARRAY_JOB_ID:-?} task ${SLURM_ARRAY_TASK_ID:-?} on $(hostname)" >&2
exec "${colorframes[@]}" run "$SHOT_DIR" --ref "$SHEET" --output "$OUT" --backend "$BACKEND" \
    "${frames_args[@]}" --shard auto "$@"
