#!/usr/bin/env bash
# The cluster path for real, on this machine: a one-node Slurm (munged, slurmctld, slurmd, no
# systemd, no cgroups) runs deploy/slurm/batch.sbatch as an array job over the scenarios and
# deploy/slurm/merge.sbatch after it; the merged comparison must equal an unsharded local
# `gridsite batch` of the same scenarios, the `seconds` column aside, and the chart and each
# scenario's GeoJSON files must be the same bytes.
#
#   sudo .ci/slurm-test.sh                   (as root: it starts daemons; apt-installs what is
#                                             missing: slurm-wlm, munge, jq)
#
# Settings (environment variables):
#   SCENARIOS           scenario files, separated by spaces  [deploy/ready-scenarios.sh's list]
#   GRIDSITE            the binary                 [target/release/gridsite, built if needed]
#   SLURM_TEST_SHARDS   array size                 [3]
#   SLURM_TEST_DIR      state, logs and results    [/tmp/gridsite-slurm-test]; wiped each run
#   SLURM_TEST_PORT     slurmctld's port; slurmd uses the next one  [16817: not Slurm's
#                       default 6817, so that a real Slurm on this machine is left alone]
#   SLURM_TEST_TIMEOUT  seconds to wait for the jobs  [900]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

say() { echo "slurm-test: $*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "slurm-test: run as root: it installs packages and starts munged, slurmctld and slurmd" >&2
  exit 1
fi

work=${SLURM_TEST_DIR:-/tmp/gridsite-slurm-test}
shards=${SLURM_TEST_SHARDS:-3}
ctld_port=${SLURM_TEST_PORT:-16817}
slurmd_port=$((ctld_port + 1))
timeout=${SLURM_TEST_TIMEOUT:-900}
node=$(hostname -s 2>/dev/null || hostname)
cpus=$(nproc)

# Both runs stop each solve on the MIP gap, not on the clock: HiGHS with one thread (batch's
# setting) is deterministic, but where a time limit cuts it off depends on how busy the machine
# is, and shards and the local run are busy differently. A 5 % gap keeps the run short.
settings=(--set solver.mip_gap=0.05 --set solver.time_limit_s=600)

# --- packages -----------------------------------------------------------------------------------
missing=()
command -v slurmctld >/dev/null 2>&1 || missing+=(slurm-wlm)
command -v munged >/dev/null 2>&1 || missing+=(munge)
command -v jq >/dev/null 2>&1 || missing+=(jq)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -z "${GRIDSITE:-}" ]; then
  say "building gridsite (cargo build --release)"
  cargo build --release --quiet
  GRIDSITE=$repo/target/release/gridsite
fi
case "$GRIDSITE" in /*) ;; */*) GRIDSITE=$repo/$GRIDSITE ;; esac

if [ -n "${SCENARIOS:-}" ]; then
  read -r -a scenarios <<<"$SCENARIOS"
else
  mapfile -t scenarios < <(deploy/ready-scenarios.sh)
fi
if [ ${#scenarios[@]} -eq 0 ]; then
  echo "slurm-test: no scenarios to run (set SCENARIOS)" >&2
  exit 1
fi
say "${#scenarios[@]} scenarios in $shards shards: ${scenarios[*]}"

# --- daemons --------------------------------------------------------------------------------------
# Stops the process of a pid file if it still is `name` (a pid file can outlive its process, and
# its pid can be reused), waiting for it to exit.
stop_pidfile() {
  local name=$1 file=$2 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  # /proc rather than ps: procps is not in minimal Debian images.
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

# Stops this test's cluster: its jobs first (their slurmstepd and gridsite would outlive slurmd
# and keep writing into $work), then slurmd and slurmctld.
stop_cluster() {
  local pid
  pid=$(cat "$work/slurmctld.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = slurmctld ]; then
    scancel --user=root 2>/dev/null || true
    for _ in $(seq 30); do
      [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
      sleep 1
    done
  fi
  stop_pidfile slurmd "$work/slurmd.pid"
  stop_pidfile slurmctld "$work/slurmctld.pid"
}

munged_ours=false
export SLURM_CONF=$work/slurm.conf

on_exit() {
  local status=$?
  set +e
  if [ "$status" -ne 0 ]; then
    say "FAILED (exit $status); logs follow"
    for log in "$work"/log/*; do
      [ -f "$log" ] || continue
      echo "----- $log (last 60 lines)"
      tail -n 60 "$log"
    done
  fi
  stop_cluster
  if $munged_ours; then
    stop_pidfile munged /run/munge/munged.pid
  fi
  say "daemons stopped; took ${SECONDS} s"
  exit "$status"
}

# A previous run killed before its trap ran leaves its daemons behind: stop them, start clean.
stop_cluster
rm -rf "$work"
mkdir -p "$work/state" "$work/spool" "$work/log" "$work/out"
trap on_exit EXIT

# munge authenticates Slurm's messages; reuse a munged that already answers.
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  say "munged already running"
else
  if [ ! -s /etc/munge/munge.key ]; then
    say "creating /etc/munge/munge.key"
    runuser -u munge -- mungekey --create
  fi
  mkdir -p /run/munge
  chown munge:munge /run/munge
  # --force: a munged that died uncleanly leaves its socket and lock behind.
  runuser -u munge -- munged --force
  munged_ours=true
  munge -n | unmunge >/dev/null
  say "munged started"
fi

# A one-node cluster: no cgroups (containers seldom delegate them), no accounting database
# (finished jobs are read from slurmctld with scontrol, kept MinJobAge seconds).
# config_overrides: the node's CPUs as written here, whatever slurmd detects (no draining).
# kill_invalid_depend: a merge whose shards failed is cancelled, not left pending forever.
cat >"$SLURM_CONF" <<EOF
ClusterName=gridsite-ci
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
DependencyParameters=kill_invalid_depend
MinJobAge=600
ReturnToService=2
MpiDefault=none
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=ci Nodes=$node Default=YES MaxTime=60 State=UP
EOF

# -c: no state from an earlier run (jobs, node states).
slurmctld -c
slurmd -N "$node"
say "slurmctld and slurmd started (ports $ctld_port, $slurmd_port; $cpus CPUs); waiting for the node"
for i in $(seq 60); do
  state=$(sinfo -h -N -n "$node" -o %t 2>/dev/null || true)
  [ "$state" = idle ] && break
  if [ "$i" -eq 60 ]; then
    echo "slurm-test: node $node is '${state:-unknown}' after 60 s, not idle" >&2
    exit 1
  fi
  sleep 1
done
say "node $node idle"

# --- the cluster run ------------------------------------------------------------------------------
export GRIDSITE OUT=$work/out SCENARIOS="${scenarios[*]}" SHARDS=$shards
batch_id=$(sbatch --parsable --array="1-$shards" --time=30 --output="$work/log/%x-%A_%a.out" \
  deploy/slurm/batch.sbatch "${settings[@]}")
batch_id=${batch_id%%;*}
merge_id=$(sbatch --parsable --dependency="afterok:$batch_id" --time=10 \
  --output="$work/log/%x-%j.out" deploy/slurm/merge.sbatch)
merge_id=${merge_id%%;*}
say "submitted array job $batch_id (1-$shards) and merge job $merge_id (afterok)"

start=$SECONDS
last=""
while :; do
  queue=$(squeue -h -j "$batch_id,$merge_id" -o '%i %T' 2>/dev/null | sort | tr '\n' ' ')
  [ -z "$queue" ] && break
  if [ "$queue" != "$last" ]; then
    say "queue: $queue"
    last=$queue
  fi
  if [ $((SECONDS - start)) -gt "$timeout" ]; then
    echo "slurm-test: jobs still queued after $timeout s" >&2
    exit 1
  fi
  sleep 2
done
say "jobs done in $((SECONDS - start)) s"

# Every array task and the merge, as slurmctld last saw them.
job_state() { scontrol -o show job "$1" | sed -n "s/.*JobState=\([A-Z_]*\).*ExitCode=\([0-9:]*\).*/${2}: \1 \2/p"; }
for k in $(seq "$shards"); do
  line=$(job_state "${batch_id}_$k" "shard $k")
  say "$line"
  case "$line" in *": COMPLETED 0:0") ;; *) echo "slurm-test: shard $k did not complete" >&2; exit 1 ;; esac
done
merge_line=$(job_state "$merge_id" merge)
say "$merge_line"

# --- the local run and the comparison ---------------------------------------------------------------
say "local unsharded batch"
local_status=0
"$GRIDSITE" batch "${scenarios[@]}" --out "$work/local" --jobs "$cpus" "${settings[@]}" \
  >"$work/log/local-batch.log" 2>&1 || local_status=$?
say "local batch exit $local_status"
# gridsite's exit 2 (a scenario without a plan) must come out of the merge too.
case "$local_status:$merge_line" in
  "0:merge: COMPLETED 0:0" | "2:merge: FAILED 2:0") ;;
  *) echo "slurm-test: local batch exited $local_status but $merge_line" >&2; exit 1 ;;
esac

# comparison.json is an array of rows (or {"rows": [...]}); seconds is wall clock.
rows() { jq -S '(if type == "object" then .rows else . end) | map(del(.seconds))' "$1"; }
if ! diff -u <(rows "$work/local/comparison.json") <(rows "$work/out/all/comparison.json") \
  >"$work/log/comparison.diff"; then
  cat "$work/log/comparison.diff"
  echo "slurm-test: the merged comparison differs from the local one" >&2
  exit 1
fi
count=$(rows "$work/local/comparison.json" | jq length)
# The chart has no seconds in it: it must be the same bytes (when this gridsite draws one).
if [ -f "$work/local/comparison.svg" ] && ! cmp "$work/local/comparison.svg" "$work/out/all/comparison.svg"; then
  echo "slurm-test: the merged comparison.svg differs from the local one" >&2
  exit 1
fi

# The maps too: each scenario's layers from its shard, byte for byte.
checked=0
for folder in "$work"/local/*/; do
  name=$(basename "$folder")
  for layer in "$folder"*.geojson; do
    file=$(basename "$layer")
    mapfile -t matches < <(compgen -G "$work/out/shard-*/$name/$file" || true)
    if [ ${#matches[@]} -ne 1 ] || ! cmp -s "$layer" "${matches[0]}"; then
      echo "slurm-test: $name/$file: no identical copy in exactly one shard (${matches[*]:-none})" >&2
      exit 1
    fi
    checked=$((checked + 1))
  done
done

say "PASS: $count rows equal (seconds aside), the chart and $checked GeoJSON files identical" \
  "between $shards Slurm shards + merge and one local batch"
