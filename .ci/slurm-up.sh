#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, from Debian's own packages, for the `farm` tests.
#
#   bash .ci/slurm-up.sh          # (or `up`) install if missing, configure, start, wait for the node
#   bash .ci/slurm-up.sh down     # stop slurmd, slurmctld and munged (by their pid files)
#   bash .ci/slurm-up.sh status   # exit 0 when the node answers `sinfo` as usable
#
# Needs root (the daemons and the job's processes run as root) and apt-get when the packages are missing.
# Idempotent: a second `up` with the cluster running and the same configuration changes nothing; a changed
# configuration (other CPU count, memory) restarts the daemons. It never overwrites a slurm.conf it did not
# write. Exit 0 = the node is idle or busy and accepts jobs; non-zero = a one-line reason on stderr.
#
# Choices (see `slurm.conf` below): proctrack/linuxproc + task/none need no cgroups or systemd (containers);
# select/cons_tres with CR_CPU shares the node between array tasks, one CPU each; MinJobAge keeps finished
# jobs in `scontrol show job` for an hour so tests read each task's ExitCode without slurmdbd.
set -euo pipefail

MODE=${1:-up}
CONF_DIR=${SLURM_CONF_DIR:-/etc/slurm}
CONF=$CONF_DIR/slurm.conf
MARK="# written by colorframes .ci/slurm-up.sh"
SPOOL=/var/spool/slurm
LOGS=/var/log/slurm
RUN=/run/slurm
WAIT_S=${SLURM_UP_WAIT_S:-60}

die() {
    echo "slurm-up: $*" >&2
    exit 1
}
log() { echo "slurm-up: $*" >&2; }

pid_alive() { [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_pidfile() { # stop the daemon whose pid file is $1, waiting for it to exit
    local file=$1 pid i
    pid_alive "$file" || return 0
    pid=$(cat "$file")
    kill "$pid" 2>/dev/null || true
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    kill -9 "$pid" 2>/dev/null || true
}

node_name() { hostname -s; }

# The node's state as sinfo prints it; a suffix such as `idle*` (not responding) counts as not usable.
node_state() { sinfo -h -n "$(node_name)" -o %T 2>/dev/null | head -n1; }

usable() {
    case "$(node_state)" in
        idle | mixed | allocated | completing) return 0 ;;
        *) return 1 ;;
    esac
}

down() {
    [[ $(id -u) -eq 0 ]] || die "needs root to stop the daemons"
    stop_pidfile "$RUN/slurmd.pid"
    stop_pidfile "$RUN/slurmctld.pid"
    stop_pidfile /run/munge/munged.pid
    log "stopped"
}

install_packages() {
    command -v apt-get >/dev/null || die "slurm-wlm/munge are not installed and there is no apt-get to install them"
    log "installing slurm-wlm and munge with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null || die "apt-get update failed"
    apt-get install -y -q slurm-wlm munge >/dev/null || die "apt-get install slurm-wlm munge failed"
}

write_conf() { # print the wanted slurm.conf
    local node hw
    node=$(node_name)
    # `slurmd -C` prints this machine's real layout: CPUs, boards, sockets, cores, threads, RealMemory.
    hw=$(slurmd -C | head -n1 | sed -e 's/^NodeName=[^ ]* //')
    [[ $hw == *CPUs=* && $hw == *RealMemory=* ]] || die "slurmd -C gave no hardware line: $hw"
    cat <<EOF
$MARK
# One-node test cluster: controller, compute node and jobs on this machine, all as root.
ClusterName=colorframes
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# A requeued job waits cred_expire seconds before it may start again (default 120).
AuthInfo=cred_expire=10
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
StateSaveLocation=$SPOOL/ctld
SlurmdSpoolDir=$SPOOL/d
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
ReturnToService=2
# Finished jobs stay visible to scontrol show job (ExitCode, Restarts) for an hour.
MinJobAge=3600
KillWait=5
SlurmdTimeout=120
InactiveLimit=0
SchedulerType=sched/backfill
# Look at pending jobs every second or two (a requeued task becomes eligible between submit events).
SchedulerParameters=bf_interval=1,sched_interval=2
NodeName=$node NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=main Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
    if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
        return 0
    fi
    mkdir -p /run/munge /var/lib/munge /var/log/munge
    if [[ ! -s /etc/munge/munge.key ]]; then
        mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null ||
            dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
    chown munge:munge /etc/munge /etc/munge/munge.key /run/munge /var/lib/munge /var/log/munge
    chmod 0700 /etc/munge /var/lib/munge /var/log/munge
    chmod 0755 /run/munge
    chmod 0400 /etc/munge/munge.key
    runuser -u munge -- /usr/sbin/munged || die "munged did not start (see /var/log/munge/munged.log)"
    local i
    for i in $(seq 50); do
        munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    die "munged started but munge -n | unmunge fails (see /var/log/munge/munged.log)"
}

up() {
    [[ $(id -u) -eq 0 ]] || die "needs root (the daemons run as root); the farm tests skip without a cluster"
    if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null ||
        ! command -v munged >/dev/null; then
        install_packages
    fi
    mkdir -p "$CONF_DIR" "$SPOOL/ctld" "$SPOOL/d" "$LOGS" "$RUN"
    if [[ -e $CONF ]] && ! grep -qxF "$MARK" "$CONF"; then
        die "$CONF exists and was not written by this script; refusing to replace a real cluster's configuration"
    fi
    local wanted restart=0
    wanted=$(write_conf)
    if [[ ! -e $CONF ]] || [[ $(cat "$CONF") != "$wanted" ]]; then
        printf '%s\n' "$wanted" >"$CONF.new"
        mv "$CONF.new" "$CONF"
        restart=1
        log "wrote $CONF"
    fi

    start_munge
    if ((restart)); then
        stop_pidfile "$RUN/slurmd.pid"
        stop_pidfile "$RUN/slurmctld.pid"
    fi
    if ! pid_alive "$RUN/slurmctld.pid"; then
        slurmctld || die "slurmctld did not start (see $LOGS/slurmctld.log)"
        log "started slurmctld"
    fi
    if ! pid_alive "$RUN/slurmd.pid"; then
        slurmd || die "slurmd did not start (see $LOGS/slurmd.log)"
        log "started slurmd"
    fi

    local deadline=$((SECONDS + WAIT_S)) state
    while ((SECONDS < deadline)); do
        state=$(node_state)
        case $state in
            idle | mixed | allocated | completing)
                log "node $(node_name) is $state"
                return 0
                ;;
            down* | drained* | draining* | fail*)
                # A node that was down before a restart stays down: resume it once it has registered.
                scontrol update NodeName="$(node_name)" State=RESUME >/dev/null 2>&1 || true
                ;;
        esac
        sleep 0.5
    done
    die "node $(node_name) not usable after ${WAIT_S}s (state '${state:-no answer}'); see $LOGS/slurmctld.log and $LOGS/slurmd.log"
}

case $MODE in
    up) up ;;
    down) down ;;
    status)
        usable || die "node $(node_name) is not usable (state '$(node_state)')"
        log "node $(node_name) is $(node_state)"
        ;;
    *)
        echo "usage: $0 [up|down|status]" >&2
        exit 2
        ;;
esac
