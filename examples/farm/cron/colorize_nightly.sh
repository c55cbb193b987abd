#!/usr/bin/env bash
# Nightly colorize from cron, guarded against overlapping runs.
#
#   crontab -e
#   30 1 * * *  NIGHTLY_INPUT=/shows/demo/lineart NIGHTLY_REF=/shows/demo/sheet.png \
#               NIGHTLY_OUT=/shows/demo/color /opt/colorframes/examples/farm/cron/colorize_nightly.sh
#
# - `flock -n` on NIGHTLY_LOCK: if last night's run is still going, this one logs a line and exits 0
#   at once without starting colorframes (cron mails only on real failures).
# - Everything (colorframes' plain per-frame lines included) is appended to NIGHTLY_LOG.
# - The exit code is colorframes' (0 done, 1 some frame failed, 2 usage/input, 3 weights, 130 killed),
#   so MAILTO / monitoring sees failures. Reruns skip frames that already exist.
# Extra arguments are passed to `colorframes run` (e.g. --preset draft --frames 1001-1100).
set -uo pipefail

INPUT=${NIGHTLY_INPUT:?set NIGHTLY_INPUT to the line-art folder}
REF=${NIGHTLY_REF:?set NIGHTLY_REF to the character sheet}
OUT=${NIGHTLY_OUT:?set NIGHTLY_OUT to the output root}
LOG=${NIGHTLY_LOG:-${HOME:-/tmp}/colorframes-nightly.log}
LOCK=${NIGHTLY_LOCK:-${XDG_RUNTIME_DIR:-/tmp}/colorframes-nightly.lock}
COLORFRAMES=${COLORFRAMES:-colorframes}

stamp() { date '+%Y-%m-%dT%H:%M:%S%z'; }

exec 9>>"$LOCK"
if ! flock -n 9; then
    echo "$(stamp) skipped: another colorframes nightly run holds $LOCK" >>"$LOG"
    exit 0
fi

echo "$(stamp) start pid $$: $COLORFRAMES run $INPUT --ref $REF --output $OUT $*" >>"$LOG"
"$COLORFRAMES" run "$INPUT" --ref "$REF" --output "$OUT" "$@" </dev/null >>"$LOG" 2>&1
rc=$?
echo "$(stamp) end pid $$: exit $rc" >>"$LOG"
exit "$rc"
