#!/usr/bin/env bash
# A current Docker engine (Debian unstable's docker.io, docker-cli, docker-buildx,
# containerd, runc) beside Debian bookworm's Engine 20.10, without touching it.
#
# Usage: hack/engine-current.sh up|down|status|env|exec [ENGINE] [-- CMD...]
#   ENGINE  current             classic image store (the default)
#           current-containerd  the containerd image store (OCI output, several
#                               platforms, attestations)
#   up      make the Debian unstable tree if missing, then start its dockerd (or
#           reuse the one running); idempotent
#   down    stop the dockerd that `up` started
#   status  say whether it answers, and its versions
#   env     print the environment that reaches it (eval "$(... env current)")
#   exec    run CMD with that environment, in the engine's network namespace
#           (so that servers the test starts on 127.0.0.1 are the engine's loopback)
#
# The tree lives in $PYFRONTEND_ENGINES_DIR (default /var/lib/pyfrontend-engines)
# and is shared by every checkout; each engine has its own data-root there. The
# daemon runs in its own mount and network namespace: its overlay mounts and its
# docker0 bridge stay apart from the host's. Its socket and pid file are in
# /run/pyfrontend-ENGINE/, visible from the host.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ENGINES_DIR=${PYFRONTEND_ENGINES_DIR:-/var/lib/pyfrontend-engines}
TREE=$ENGINES_DIR/sid
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
PACKAGES=(docker.io docker-cli docker-buildx containerd runc git ca-certificates iproute2)
# Bump to remake the tree (a new package list).
TREE_VERSION=1
TIMEOUT=${ENGINE_TIMEOUT:-120}

engine_name() {
    case ${1:-current} in
    current | current-containerd) echo "${1:-current}" ;;
    *) die "unknown engine '$1' (current, current-containerd)" ;;
    esac
}

run_dir() { echo "/run/pyfrontend-$1"; }
socket_of() { echo "$(run_dir "$1")/docker.sock"; }
pidfile_of() { echo "$(run_dir "$1")/dockerd.pid"; }
logfile_of() { echo "$ENGINES_DIR/$1/dockerd.log"; }
client_config() { echo "$ENGINES_DIR/client"; }

engine_pid() {
    local pid
    pid=$(cat "$(pidfile_of "$1")" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]] || return 1
    echo "$pid"
}

client_env() {
    echo "export DOCKER_HOST=unix://$(socket_of "$1")"
    echo "export DOCKER=$TREE/usr/bin/docker"
    echo "export DOCKER_CONFIG=$(client_config)"
    echo "export PYFRONTEND_ENGINE=$1"
    echo "export PYFRONTEND_ENGINE_LOG=$(logfile_of "$1")"
    echo "export PYFRONTEND_ENGINE_PID=$(engine_pid "$1" || echo 0)"
    echo "unset DOCKER_BUILDKIT"
}

answers() {
    [[ -x $TREE/usr/bin/docker ]] && DOCKER_HOST=unix://$(socket_of "$1") DOCKER_CONFIG=$(client_config) \
        timeout 10 "$TREE/usr/bin/docker" version --format '{{.Server.Version}}' \
        >/dev/null 2>&1 </dev/null
}

# ensure_tree: Debian unstable minbase with the engine's packages.
ensure_tree() {
    local marker=$TREE/.pyfrontend-tree
    [[ $(cat "$marker" 2>/dev/null) == "$TREE_VERSION" ]] && return 0
    [[ $(id -u) == 0 ]] || die "making the engine tree needs root"
    apt_install debootstrap debian-archive-keyring
    local tmp=$TREE.new
    unmount_under "$tmp"
    rm -rf --one-file-system "$tmp"
    mkdir -p "$ENGINES_DIR"
    log "debootstrap sid minbase into $TREE (a few minutes)"
    debootstrap --variant=minbase sid "$tmp" "$MIRROR" >"$ENGINES_DIR/debootstrap.log" 2>&1 \
        </dev/null || {
        tail -n 30 "$ENGINES_DIR/debootstrap.log" >&2
        die "debootstrap sid failed"
    }
    # The mirror may be a snapshot older than the suite's Valid-Until.
    echo 'Acquire::Check-Valid-Until "false";' >"$tmp/etc/apt/apt.conf.d/99pyfrontend"
    printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
    chmod 755 "$tmp/usr/sbin/policy-rc.d"
    log "installing ${PACKAGES[*]} in the tree"
    # Post-install scripts need /proc: a private mount namespace keeps it from the host.
    unshare --mount --propagation private -- bash -c '
        set -e
        mount -t proc proc "$1/proc"
        shift
        tree=$1; shift
        chroot "$tree" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        chroot "$tree" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "$@"
    ' _ "$tmp" "$tmp" "${PACKAGES[@]}" >"$ENGINES_DIR/apt.log" 2>&1 </dev/null || {
        tail -n 30 "$ENGINES_DIR/apt.log" >&2
        die "installing the engine packages failed"
    }
    echo "$TREE_VERSION" >"$tmp/.pyfrontend-tree"
    unmount_under "$TREE"
    rm -rf --one-file-system "$TREE"
    mv "$tmp" "$TREE"
}

unmount_under() {
    local m
    for m in $(grep -o " $1[^ ]*" /proc/mounts | sort -r); do
        umount -l "$m" || true
    done
}

write_client_config() {
    local dir
    dir=$(client_config)
    mkdir -p "$dir"
    printf '{"cliPluginsExtraDirs": ["%s"]}\n' "$TREE/usr/libexec/docker/cli-plugins" \
        >"$dir/config.json"
}

write_daemon_config() {
    local engine=$1 snapshotter=false
    [[ $engine == current-containerd ]] && snapshotter=true
    printf '{"features": {"containerd-snapshotter": %s}}\n' "$snapshotter" \
        >"$ENGINES_DIR/$engine/daemon.json"
}

# inside ENGINE: runs in the new mount and network namespace; ends as dockerd.
inside() {
    local engine=$1 state=$ENGINES_DIR/$1 run
    run=$(run_dir "$engine")
    mount --make-rprivate /
    # The tree must be a mount point: dockerd's managed containerd reads the mount info.
    mount --bind "$TREE" "$TREE"
    mount -t proc proc "$TREE/proc"
    mount -t sysfs sysfs "$TREE/sys"
    mount --rbind /sys/fs/cgroup "$TREE/sys/fs/cgroup"
    mount --rbind /dev "$TREE/dev"
    mount -t tmpfs -o mode=755 tmpfs "$TREE/run"
    mount -t tmpfs -o mode=1777 tmpfs "$TREE/tmp"
    mkdir -p "$TREE/var/lib/docker" "$TREE/run/pyfrontend"
    mount --bind "$state" "$TREE/var/lib/docker"
    mount --bind "$run" "$TREE/run/pyfrontend"
    chroot "$TREE" ip link set lo up
    exec chroot "$TREE" /usr/sbin/dockerd \
        -H unix:///run/pyfrontend/docker.sock \
        --data-root /var/lib/docker/data --config-file /var/lib/docker/daemon.json \
        --pidfile /run/pyfrontend/dockerd.pid \
        --iptables=false --ip6tables=false --ip-masq=false \
        --cgroup-parent "pyfrontend-$engine"
}

cmd_up() {
    local engine=$1 pid waited=0 state
    state=$ENGINES_DIR/$engine
    ensure_tree
    write_client_config
    if answers "$engine"; then
        versions "$engine" "reused"
        return
    fi
    [[ $(id -u) == 0 ]] || die "starting dockerd needs root"
    mkdir -p "$state/data" "$(run_dir "$engine")"
    write_daemon_config "$engine"
    if ! pid=$(engine_pid "$engine"); then
        rm -f "$(socket_of "$engine")" "$(pidfile_of "$engine")"
        log "starting dockerd ($engine; log: $(logfile_of "$engine"))"
        setsid unshare --mount --net --propagation private -- \
            bash "$0" _inside "$engine" >"$(logfile_of "$engine")" 2>&1 </dev/null &
        pid=$!
    fi
    until answers "$engine"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$(logfile_of "$engine")" >&2 || true
            die "dockerd ($engine) exited during start-up (log above)"
        fi
        if ((waited >= TIMEOUT)); then
            tail -n 30 "$(logfile_of "$engine")" >&2 || true
            die "dockerd ($engine) did not answer within ${TIMEOUT}s (log above)"
        fi
        sleep 1
        waited=$((waited + 1))
    done
    versions "$engine" "started in ${waited}s, pid $(engine_pid "$engine")"
}

versions() {
    local engine=$1 note=$2
    eval "$(client_env "$engine")"
    log "$engine engine: docker $("$DOCKER" version --format '{{.Server.Version}}' </dev/null)," \
        "buildx $("$DOCKER" buildx version </dev/null | awk '{print $2}')," \
        "containerd $(chroot_version containerd), runc $(chroot_version runc)" \
        "at $DOCKER_HOST ($note)"
}

chroot_version() {
    dpkg-query --admindir="$TREE/var/lib/dpkg" -W -f='${Version}' "$1" 2>/dev/null || echo "?"
}

cmd_down() {
    local engine=$1 pid waited=0
    if ! pid=$(engine_pid "$engine"); then
        log "no $engine dockerd running: nothing to stop"
        return
    fi
    log "stopping dockerd ($engine) pid $pid"
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null; do
        ((waited < 60)) || die "dockerd pid $pid still runs after 60s"
        sleep 1
        waited=$((waited + 1))
    done
    log "stopped"
}

cmd_status() {
    local engine=$1
    if answers "$engine"; then
        versions "$engine" "running"
    else
        log "$engine: no engine answers at $(socket_of "$engine")"
        return 1
    fi
}

cmd_exec() {
    local engine=$1 pid
    shift
    [[ ${1:-} == -- ]] && shift
    pid=$(engine_pid "$engine") || die "$engine engine is not running (hack/engine-current.sh up $engine)"
    eval "$(client_env "$engine")"
    exec nsenter --target "$pid" --net -- "$@"
}

verb=${1:-}
shift || true
case $verb in
_inside) inside "$(engine_name "${1:-}")" ;;
up) cmd_up "$(engine_name "${1:-}")" ;;
down) cmd_down "$(engine_name "${1:-}")" ;;
status) cmd_status "$(engine_name "${1:-}")" ;;
env) client_env "$(engine_name "${1:-}")" ;;
exec)
    engine=current
    if [[ ${1:-} != -- && -n ${1:-} ]]; then
        engine=$1
        shift
    fi
    cmd_exec "$(engine_name "$engine")" "$@"
    ;;
*)
    echo "usage: $0 up|down|status|env|exec [current|current-containerd] [-- CMD...]" >&2
    exit 2
    ;;
esac
