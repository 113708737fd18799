#!/usr/bin/env bash
# Prepares a ZFS pool for tests, the demo and the benchmark, installing what is missing.
# Idempotent: safe to run before every `npm test`. Needs root.
# Env: ZFS_CSI_TEST_POOL (default zfscsi), ZFS_CSI_TEST_POOL_DIR (default /var/lib/zfs-csi-test),
#      ZFS_CSI_TEST_POOL_SIZE (default 8G), ZFS_CSI_TEST_POOL2 (default zfscsi2: the second node's pool
#      of the transfer tests, issue #8), ZFS_CSI_TEST_POOL2_SIZE (default 8G).
set -euo pipefail
pool=${ZFS_CSI_TEST_POOL:-zfscsi}
pool2=${ZFS_CSI_TEST_POOL2:-zfscsi2}
dir=${ZFS_CSI_TEST_POOL_DIR:-/var/lib/zfs-csi-test}
size=${ZFS_CSI_TEST_POOL_SIZE:-8G}
# 8G, not 4G: the full benchmark (1024 MiB transfers, then a restore and a migration to this pool) holds up
# to ~3 GiB here, and zfs-fuse frees destroyed data only gradually, so at 4G the restore's baseline ran out
# of space (2026-12-08). A sparse file: only what is written takes disk.
size2=${ZFS_CSI_TEST_POOL2_SIZE:-8G}
log() { printf '[setup-zfs] %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then log "must run as root (zfs and mount need it)"; exit 1; fi

# Tools the driver and tests need: zfs (zfs-fuse here, when no OpenZFS), mount/umount, findmnt.
if ! command -v zfs >/dev/null 2>&1 || ! command -v mount >/dev/null 2>&1; then
  log "installing zfs-fuse (no zfs userland found)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq zfs-fuse mount >/dev/null
fi

# zfs-fuse is a user-space daemon: the zfs/zpool commands talk to it over a socket.
if [ ! -e /sys/module/zfs ] && command -v zfs-fuse >/dev/null 2>&1; then
  if ! pgrep -x zfs-fuse >/dev/null 2>&1; then
    [ -e /dev/fuse ] || { mknod /dev/fuse c 10 229 && chmod 666 /dev/fuse; }
    log "starting zfs-fuse daemon"
    rm -f /var/run/zfs-fuse.pid
    zfs-fuse --pidfile /var/run/zfs-fuse.pid
  fi
fi
# The daemon takes a moment to answer after start (and a dying one after pkill still shows in pgrep).
for _ in $(seq 1 75); do zpool list >/dev/null 2>&1 && break; sleep 0.2; done
zpool list >/dev/null 2>&1 || { log "zpool does not answer (is the ZFS daemon/module up?)"; exit 1; }

mkdir -p "$dir"
ensure_pool() { # name size
  local name=$1 bytes=$2 img="$dir/$1.img"
  zpool list -H -o name "$name" >/dev/null 2>&1 && return 0
  if [ -f "$img" ] && zpool import -d "$dir" "$name" >/dev/null 2>&1; then
    log "imported pool $name from $img"
  else
    rm -f "$img"
    truncate -s "$bytes" "$img"
    zpool create -f -m none "$name" "$img"
    log "created pool $name on sparse file $img ($bytes)"
  fi
}
ensure_pool "$pool" "$size"
ensure_pool "$pool2" "$size2"
echo "$pool"
