#!/usr/bin/env bash
# A walk through the volume life cycle with a real zfs-csi driver (standalone mode) and `zfs-csi ctl`.
# Run as root via `npm run demo` (which builds and prepares the pool first). Re-runnable; on exit it stops
# the driver, unmounts the demo's targets and destroys only what the demo made (the parent it marked).
# Env: ZFS_CSI_TEST_POOL (default zfscsi), ZFS_CSI_DEMO_KEEP_LOG=1 keeps the driver log.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MAIN="$ROOT/dist/src/app/main.js"
POOL=${ZFS_CSI_TEST_POOL:-zfscsi}
PARENT="$POOL/demo"
RUN_DIR=/run/zfs-csi-demo
ENDPOINT="unix://$RUN_DIR/csi.sock"
PID_FILE="$RUN_DIR/driver.pid"
DEMO_DIR=/var/lib/zfs-csi-demo
MOUNT_ROOT="$DEMO_DIR/mounts"
TARGETS="$DEMO_DIR/targets"
LOG="$DEMO_DIR/driver.log"
# A user property on the parent proves the demo made it, so cleanup never touches anything else.
MARK=zfscsi-demo:owner
STEP="preparing"
DRIVER_PID=""

bold() { if [ -t 1 ]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }
step() { STEP="$*"; printf '\n'; bold "== $*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
ctl() { node "$MAIN" ctl --endpoint "$ENDPOINT" "$@"; }
# Runs `zfs-csi ctl ...`, echoing it as a person would type it; output goes to stdout.
zctl() { printf '$ zfs-csi ctl %s\n' "$*" >&2; ctl "$@"; }
# The value of a `key: value` line in ctl's readable output.
field() {
  local value
  value=$(awk -v k="$1:" '$1 == k { print $2; exit }')
  [ -n "$value" ] || { echo "no $1 in the output above" >&2; return 1; }
  printf '%s\n' "$value"
}

report_failure() {
  printf '\n' >&2
  bold "demo FAILED at step: $STEP (exit $1)" >&2
  if [ -f "$LOG" ]; then
    printf -- '--- last lines of the driver log (%s) ---\n' "$LOG" >&2
    tail -n 40 "$LOG" >&2 || true
    printf -- '--- end of driver log ---\n' >&2
  fi
}

stop_driver() {
  local pid=${DRIVER_PID:-}
  if [ -z "$pid" ] && [ -f "$PID_FILE" ]; then pid=$(cat "$PID_FILE"); fi
  # Only a process this demo started: its pid file plus its command line naming the demo socket.
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$RUN_DIR/csi.sock"; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && { echo "driver $pid ignored SIGTERM; killing it" >&2; kill -KILL "$pid"; }
  fi
  rm -f "$PID_FILE"
}

# Recursive destroy only because the parent carries the demo's own mark; zfs-fuse says "busy" for a moment
# after unmounts, hence the retries.
destroy_demo_parent() {
  [ "$(zfs get -H -o value "$MARK" "$PARENT" 2>/dev/null)" = demo ] || return 0
  for _ in $(seq 1 20); do
    zfs destroy -R "$PARENT" 2>/dev/null && return 0
    sleep 0.5
  done
  zfs destroy -R "$PARENT"
}

demo_mounts() { findmnt -rn -o TARGET | grep -E "^$TARGETS/" | sort -r || true; }

cleanup() {
  local rc=$?
  set +e
  [ "$rc" = 0 ] || report_failure "$rc"
  stop_driver
  for m in $(demo_mounts); do umount "$m" || umount -l "$m"; done
  destroy_demo_parent || echo "could not destroy $PARENT; remove it by hand" >&2
  for d in "$TARGETS"/* "$TARGETS" "$MOUNT_ROOT"/* "$MOUNT_ROOT"; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
  [ "${ZFS_CSI_DEMO_KEEP_LOG:-}" = 1 ] || rm -f "$LOG"
  rmdir "$DEMO_DIR" "$RUN_DIR" 2>/dev/null
  exit "$rc"
}

start_driver() {
  mkdir -p "$RUN_DIR" "$DEMO_DIR" "$TARGETS"
  node "$MAIN" serve --mode standalone --endpoint "$ENDPOINT" --node-id demo-node \
    --parent "$PARENT" --mount-root "$MOUNT_ROOT" --publish-root "$TARGETS" >"$LOG" 2>&1 &
  DRIVER_PID=$!
  echo "$DRIVER_PID" >"$PID_FILE"
  echo "driver pid $DRIVER_PID, log $LOG"
  for _ in $(seq 1 120); do
    kill -0 "$DRIVER_PID" 2>/dev/null || { echo "the driver exited during start-up" >&2; return 1; }
    if ctl probe --timeout 2 2>/dev/null | grep -q '^ready: true'; then
      zctl probe
      return 0
    fi
    sleep 0.5
  done
  echo "the driver did not report ready within 60 s" >&2
  return 1
}

# Only the parent left under $PARENT: the driver must clean up retired data once nothing needs it.
wait_until_empty() {
  for _ in $(seq 1 60); do
    [ "$(zfs list -H -r -t all -o name "$PARENT" | wc -l)" -eq 1 ] && return 0
    sleep 0.5
  done
  echo "objects are still left under $PARENT:" >&2
  zfs list -r -t all "$PARENT" >&2
  return 1
}

trap cleanup EXIT
trap "exit 130" INT TERM
[ "$(id -u)" = 0 ] || { echo "demo: run as root (zfs and mount need it)" >&2; exit 1; }
[ -f "$MAIN" ] || { echo "demo: $MAIN is missing; run \`npm run demo\` (it builds first)" >&2; exit 1; }

step "Leftovers of an earlier run"
stop_driver
for m in $(demo_mounts); do umount "$m"; done
if zfs list "$PARENT" >/dev/null 2>&1; then
  [ "$(zfs get -H -o value "$MARK" "$PARENT")" = demo ] || { echo "$PARENT exists and was not made by the demo; refusing to use it" >&2; exit 1; }
  destroy_demo_parent
  echo "removed the previous demo's $PARENT"
else
  echo "none"
fi
show zfs create -o mountpoint=none -o "$MARK=demo" "$PARENT"
# lz4 needs OpenZFS (or pool feature lz4_compress); zfs-fuse 0.7 knows only lzjb, gzip and zle.
if zfs set compression=lz4 "$PARENT" 2>/dev/null; then COMPRESSION=lz4; else COMPRESSION=gzip; fi
zfs inherit compression "$PARENT"
echo "this ZFS supports compression=$COMPRESSION"

step "Start the driver (standalone mode: Identity + Controller + Node in one process)"
start_driver
zctl plugin-info
zctl node-info

step "Create a 1 GiB volume with $COMPRESSION compression"
out=$(zctl create-volume --name demo-data --size 1Gi --param "compression=$COMPRESSION")
echo "$out"
VOL=$(field volume_id <<<"$out")
show zfs get -H -o name,property,value compression,refquota "$PARENT/$VOL"

step "Publish it to $TARGETS/data and write a file"
zctl publish --volume-id "$VOL" --target "$TARGETS/data"
printf "\$ echo 'hello from zfs-csi' > %s\n" "$TARGETS/data/hello.txt"
echo 'hello from zfs-csi' >"$TARGETS/data/hello.txt"
show cat "$TARGETS/data/hello.txt"

step "Snapshot the volume"
out=$(zctl create-snapshot --name demo-snap --source-volume-id "$VOL")
echo "$out"
SNAP=$(field snapshot_id <<<"$out")

step "Restore the snapshot into a new volume and publish it: the file is there"
out=$(zctl create-volume --name demo-restored --size 1Gi --from-snapshot "$SNAP")
echo "$out"
RESTORED=$(field volume_id <<<"$out")
zctl publish --volume-id "$RESTORED" --target "$TARGETS/restored"
show cat "$TARGETS/restored/hello.txt"

step "Clone the first volume (from-volume)"
out=$(zctl create-volume --name demo-clone --size 1Gi --from-volume "$VOL")
echo "$out"
CLONE=$(field volume_id <<<"$out")

step "Expand the first volume to 2 GiB (online)"
zctl expand-volume --volume-id "$VOL" --size 2Gi
zctl get-volume --volume-id "$VOL"

step "Stats and lists"
zctl stats --volume-id "$VOL" --path "$TARGETS/data"
zctl list-volumes
zctl list-snapshots
zctl capacity --node demo-node
step "The ZFS side"
show zfs list -r -t all -o name,used,refer,refquota,origin,mountpoint "$PARENT"

step "Delete the original volume while its snapshot and the restored copy live on"
zctl unpublish --volume-id "$VOL" --target "$TARGETS/data"
zctl delete-volume --volume-id "$VOL"
zctl list-volumes
zctl list-snapshots
echo "ZFS keeps the data the snapshot needs, retired (hidden from CSI, unmounted):"
show zfs list -r -t all -o name,used,canmount,zfs.csi.dev:retired "$PARENT"
# GetCapacity has no field for retired bytes; `available` already excludes them (ZFS accounts them as used).
zctl capacity --node demo-node

step "The snapshot still restores, into yet another volume"
out=$(zctl create-volume --name demo-restored-again --size 1Gi --from-snapshot "$SNAP")
echo "$out"
AGAIN=$(field volume_id <<<"$out")
zctl publish --volume-id "$AGAIN" --target "$TARGETS/again"
show cat "$TARGETS/again/hello.txt"

step "Unpublish and delete everything else"
zctl unpublish --volume-id "$RESTORED" --target "$TARGETS/restored"
zctl unpublish --volume-id "$AGAIN" --target "$TARGETS/again"
zctl delete-volume --volume-id "$RESTORED"
zctl delete-snapshot --snapshot-id "$SNAP"
zctl delete-volume --volume-id "$CLONE"
zctl delete-volume --volume-id "$AGAIN"
zctl list-volumes
zctl list-snapshots

step "Nothing is left under $PARENT but the parent itself"
wait_until_empty
show zfs list -r -t all "$PARENT"

step "Done"
echo "demo complete; stopping the driver and removing $PARENT"
