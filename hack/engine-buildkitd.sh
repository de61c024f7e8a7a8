#!/usr/bin/env bash
# A standalone buildkitd (OCI worker, runc), driven with buildctl: the engine
# the README's `buildctl build --frontend gateway.v0` path runs on.
#
# Usage: hack/engine-buildkitd.sh up|down|status|env|exec|push [-- CMD...|IMAGE...]
#   up      start a local registry and buildkitd (or reuse them); idempotent
#   down    stop the two processes that `up` started
#   status  say whether buildkitd answers, and its version
#   env     print the environment that reaches it
#   exec    run CMD with that environment
#   push    copy engine images (from the Docker engine at DOCKER_HOST) into the
#           registry under their Docker Hub names: buildkitd reads docker.io
#           through it, so `FROM busybox` and `source=<frontend image>` resolve
#           offline to the images made here
#
# buildkitd, buildctl and the registry binary are those the conformance harness
# builds (README, `make conformance`): $PYF_CONF_DIR/bin/$BUILDKIT_TAG/. Nothing
# is downloaded. Env: PYF_CONF_DIR (default ~/.cache/pyf-conf), BUILDKIT_TAG
# (default v0.26.3). State (sockets, logs, root dirs) in .work/buildkitd/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

CONF_DIR=${PYF_CONF_DIR:-$HOME/.cache/pyf-conf}
TAG=${BUILDKIT_TAG:-v0.26.3}
BIN=$CONF_DIR/bin/$TAG
DIR=$STATE_DIR/buildkitd
SOCKET=$DIR/buildkitd.sock
LOGFILE=$DIR/buildkitd.log
TIMEOUT=${ENGINE_TIMEOUT:-60}

need_binaries() {
    local b missing=()
    for b in buildkitd buildctl registry; do
        [[ -x $BIN/$b ]] || missing+=("$BIN/$b")
    done
    ((${#missing[@]} == 0)) && return
    die "missing ${missing[*]}: set up the conformance harness for BUILDKIT_TAG=$TAG" \
        "(README, make conformance) and point PYF_CONF_DIR at its work dir"
}

alive() { # NAME: the pid recorded for NAME, if that process still runs
    local pid
    pid=$(cat "$DIR/$1.pid" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    echo "$pid"
}

registry_port() { cat "$DIR/registry.port" 2>/dev/null; }
registry_ok() { curl -fsS -m 3 "http://127.0.0.1:$(registry_port)/v2/" >/dev/null 2>&1; }
buildkitd_ok() { "$BIN/buildctl" --addr "unix://$SOCKET" debug workers >/dev/null 2>&1; }

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for() { # WHAT CHECK LOG: until CHECK succeeds (the process named WHAT must stay up)
    local waited=0
    until "$2"; do
        alive "$1" >/dev/null || { tail -n 20 "$3" >&2; die "$1 exited during start-up (log: $3)"; }
        ((waited < TIMEOUT)) || die "$1 did not answer within ${TIMEOUT}s (log: $3)"
        sleep 1
        waited=$((waited + 1))
    done
}

start_registry() {
    if alive registry >/dev/null && registry_ok; then
        return
    fi
    free_port >"$DIR/registry.port"
    mkdir -p "$DIR/registry"
    cat >"$DIR/registry/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $DIR/registry/data
http:
  addr: 127.0.0.1:$(registry_port)
EOF
    setsid "$BIN/registry" serve "$DIR/registry/config.yml" \
        >"$DIR/registry.log" 2>&1 </dev/null &
    echo $! >"$DIR/registry.pid"
    wait_for registry registry_ok "$DIR/registry.log"
    log "registry at 127.0.0.1:$(registry_port) (pid $(alive registry))"
}

start_buildkitd() {
    if alive buildkitd >/dev/null && buildkitd_ok; then
        return
    fi
    cat >"$DIR/buildkitd.toml" <<EOF
[worker.oci]
  enabled = true
[worker.containerd]
  enabled = false
[registry."docker.io"]
  mirrors = ["127.0.0.1:$(registry_port)"]
[registry."127.0.0.1:$(registry_port)"]
  http = true
EOF
    rm -f "$SOCKET"
    # $BIN first on PATH: a runc the harness set up there wins over the host's
    PATH="$BIN:$PATH" setsid "$BIN/buildkitd" --config "$DIR/buildkitd.toml" \
        --root "$DIR/root" --addr "unix://$SOCKET" >"$LOGFILE" 2>&1 </dev/null &
    echo $! >"$DIR/buildkitd.pid"
    wait_for buildkitd buildkitd_ok "$LOGFILE"
    log "buildkitd $TAG at unix://$SOCKET (pid $(alive buildkitd), log $LOGFILE)"
}

cmd_up() {
    need_binaries
    [[ $(id -u) == 0 ]] || die "buildkitd runs rootful here: run as root"
    mkdir -p "$DIR"
    start_registry
    start_buildkitd
}

cmd_down() {
    local name pid
    for name in buildkitd registry; do
        if pid=$(alive "$name"); then
            log "stopping $name pid $pid"
            kill -TERM "$pid"
        fi
        rm -f "$DIR/$name.pid"
    done
}

cmd_status() {
    if alive buildkitd >/dev/null && buildkitd_ok; then
        log "buildkitd $("$BIN/buildkitd" --version | cut -d' ' -f3) at unix://$SOCKET," \
            "registry 127.0.0.1:$(registry_port)"
    else
        log "no buildkitd answers at unix://$SOCKET (hack/engine-buildkitd.sh up)"
        return 1
    fi
}

print_env() {
    echo "export PYFRONTEND_ENGINE=buildkitd"
    echo "export BUILDKIT_HOST=unix://$SOCKET"
    echo "export BUILDCTL=$BIN/buildctl"
    echo "export PYFRONTEND_ENGINE_LOG=$LOGFILE"
    echo "export DOCKER=$DOCKER"
    echo "export DOCKER_BUILDKIT=1"
}

cmd_push() { # IMAGE...: engine images, pushed as docker.io would name them
    registry_ok || die "no registry: hack/engine-buildkitd.sh up"
    local image repo tag name
    for image in "$@"; do
        if [[ ${image##*/} == *:* ]]; then
            repo=${image%:*} tag=${image##*:}
        else
            repo=$image tag=latest
        fi
        [[ $repo == */* ]] || repo=library/$repo
        name=127.0.0.1:$(registry_port)/$repo:$tag
        "$DOCKER" tag "$image" "$name"
        "$DOCKER" push -q "$name" >/dev/null || die "docker push $name failed"
        "$DOCKER" rmi "$name" >/dev/null
    done
}

run_verb "up|down|status|env|exec|push [-- CMD...|IMAGE...]" "$@"
