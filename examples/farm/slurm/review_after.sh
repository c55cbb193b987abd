#!/usr/bin/env bash
# Build the HTML review of an array's output once every task has succeeded.
#
#   job=$(sbatch --parsable --array=0-3 examples/farm/slurm/colorize_array.sh SHOT_DIR SHEET OUT)
#   sbatch --dependency=afterok:$job examples/farm/slurm/review_after.sh OUT
#
# `afterok` on an array job waits for all of its tasks and runs only if every one exited 0; if a task
# failed, SLURM keeps this job pending with Reason=DependencyNeverSatisfied (cancel it, fix, resubmit).
# Writes OUT/<shot>/review/index.html and contact_sheet.png. Environment: COLORFRAMES or
# COLORFRAMES_PYTHON as for colorize_array.sh. Exit code: `colorframes review`'s (0 ok, 2 bad input).
#
#SBATCH --job-name=colorframes-review
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --time=00:30:00
#SBATCH --output=colorframes-review-%j.log
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: sbatch --dependency=afterok:JOBID $0 OUT [colorframes review flags...]" >&2
    exit 2
fi
if [[ -n ${COLORFRAMES_PYTHON:-} ]]; then
    colorframes=("$COLORFRAMES_PYTHON" -m colorframes)
else
    colorframes=("${COLORFRAMES:-colorframes}")
fi
OUT=$1
shift
echo "review of $OUT after job ${SLURM_JOB_DEPENDENCY:-?} on $(hostname)" >&2
exec "${colorframes[@]}" review "$OUT" "$@"
