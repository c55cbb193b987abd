#!/usr/bin/env bash
# Submit a colorframes shot to Thinkbox Deadline 10 as a command-line job (CommandLine plugin).
#
#   examples/farm/deadline/submit_commandline.sh SHOT_DIR SHEET OUT FRAMES [CHUNK]
#   examples/farm/deadline/submit_commandline.sh /mnt/show/sh010/lineart /mnt/show/sheet.png \
#       /mnt/show/sh010/color 1001-1100 10
#
# Deadline splits FRAMES into tasks of CHUNK frames and replaces <STARTFRAME>/<ENDFRAME> in the
# argument string per task (<QUOTE> becomes a double quote, so paths may hold spaces). The
# CommandLine plugin reads `Progress: NN%` lines (colorframes prints them off a TTY) and fails
# the task on a non-zero exit code; a requeued task skips the frames that already exist.
# Paths must be visible from the Workers. Environment overrides: DEADLINECOMMAND, COLORFRAMES
# (path of the colorframes executable on the Workers), BACKEND, POOL, GROUP, PRIORITY.
set -euo pipefail

if [[ $# -lt 4 ]]; then
    echo "usage: $0 SHOT_DIR SHEET OUT FRAMES [CHUNK]" >&2
    exit 2
fi
abspath() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd -P)" "$(basename "$1")"); }
SHOT_DIR=$(abspath "$1")
SHEET=$(abspath "$2")
OUT=$3
[[ $OUT == /* ]] || OUT="$(pwd -P)/$OUT"
FRAMES=$4
CHUNK=${5:-10}

DEADLINECOMMAND=${DEADLINECOMMAND:-deadlinecommand}
COLORFRAMES=${COLORFRAMES:-$(command -v colorframes || echo colorframes)}
BACKEND=${BACKEND:-flat}

ARGUMENTS="run <QUOTE>${SHOT_DIR}<QUOTE> --ref <QUOTE>${SHEET}<QUOTE> --output <QUOTE>${OUT}<QUOTE>"
ARGUMENTS+=" --backend ${BACKEND} --frames <STARTFRAME>-<ENDFRAME>"

exec "$DEADLINECOMMAND" -SubmitCommandLineJob \
    -executable "$COLORFRAMES" \
    -arguments "$ARGUMENTS" \
    -frames "$FRAMES" \
    -chunksize "$CHUNK" \
    -name "colorframes $(basename "$SHOT_DIR")" \
    -pool "${POOL:-none}" \
    -group "${GROUP:-none}" \
    -priority "${PRIORITY:-50}"
