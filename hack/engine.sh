#!/usr/bin/env bash
# The Docker engine the tests and the demo build on.
#
# Usage: hack/engine.sh up|down|status|env|exec [-- CMD...]
# With PYFRONTEND_ENGINE=current or current-containerd, the same verbs go to
# hack/engine-current.sh: Debian unstable's current Docker beside this one;
# with PYFRONTEND_ENGINE=buildkitd, to hack/engine-buildkitd.sh (buildctl).
# Without it, Engine 20.10 (legacy):
#   up      use the engine at DOCKER_HOST, or the one on the default socket, or
#           else install docker.io if needed and start dockerd in the background
#           (log and pid in .work/engine/); idempotent
#   down    stop the daemon that `up` started (and only that one)
#   status  say whether an engine answers and which daemon `up` recorded
#   env     print the environment to reach the engine (eval "$(hack/engine.sh env)")
#   exec    run CMD with that environment
set -euo pipefail
source "$(dirname "$0")/lib.sh"

case ${PYFRONTEND_ENGINE:-legacy} in
legacy) ;;
buildkitd) exec "$(dirname "$0")/engine-buildkitd.sh" "$@" ;;
*) exec "$(dirname "$0")/engine-current.sh" "${1:-}" "$PYFRONTEND_ENGINE" "${@:2}" ;;
esac

ENGINE_DIR=$STATE_DIR/engine
PIDFILE=$ENGINE_DIR/dockerd.pid
LOGFILE=$ENGINE_DIR/dockerd.log
DEFAULT_HOST=unix:///var/run/docker.sock
TIMEOUT=${ENGINE_TIMEOUT:-90}

recorded_pid() {
    local pid
    pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]] || return 1
    echo "$pid"
}

print_env() {
    echo "export DOCKER_HOST=${DOCKER_HOST:-$DEFAULT_HOST}"
    echo "export DOCKER_BUILDKIT=1"
    echo "export DOCKER=$DOCKER"
    echo "export PYFRONTEND_ENGINE=legacy"
}

reached() {
    log "engine $("$DOCKER" version --format '{{.Server.Version}}' </dev/null) at" \
        "${DOCKER_HOST:-$DEFAULT_HOST}${1:+ ($1)}; client: DOCKER_BUILDKIT=1 $DOCKER"
}

cmd_up() {
    local pid waited=0
    if [[ -n ${DOCKER_HOST:-} ]]; then
        docker_ok || die "DOCKER_HOST=$DOCKER_HOST is set but no engine answers there"
        reached "DOCKER_HOST, nothing started"
        return
    fi
    if [[ ! -x $DOCKER ]] || ! command -v dockerd >/dev/null; then
        apt_install docker.io
    fi
    # The engine clones git sources (ADD <repo>.git) with the git CLI.
    command -v git >/dev/null || apt_install git
    if docker_ok; then
        pid=$(recorded_pid) && reached "dockerd pid $pid, started by this script" \
            || reached "reused"
        return
    fi
    [[ $(id -u) == 0 ]] || die "no engine answers and starting dockerd needs root"

    mkdir -p "$ENGINE_DIR"
    if ! pid=$(recorded_pid); then
        log "starting dockerd (log: $LOGFILE)"
        # setsid: a Ctrl-C on make must not reach the daemon.
        setsid dockerd --iptables=false --ip-masq=false >"$LOGFILE" 2>&1 </dev/null &
        pid=$!
        echo "$pid" >"$PIDFILE"
    fi
    until docker_ok; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$PIDFILE"
            tail -n 30 "$LOGFILE" >&2 || true
            die "dockerd exited during start-up (log above: $LOGFILE)"
        fi
        if ((waited >= TIMEOUT)); then
            tail -n 30 "$LOGFILE" >&2 || true
            die "dockerd (pid $pid) did not answer within ${TIMEOUT}s (log above: $LOGFILE)"
        fi
        sleep 1
        waited=$((waited + 1))
    done
    # dockerd's own pidfile has the last word on which process serves.
    local served
    served=$(cat /var/run/docker.pid 2>/dev/null) || served=$pid
    if [[ $served != "$pid" && $(cat "/proc/$served/comm" 2>/dev/null) == dockerd ]]; then
        pid=$served
        echo "$pid" >"$PIDFILE"
    fi
    reached "dockerd pid $pid, started in ${waited}s"
    log "stop it with: hack/engine.sh down"
}

cmd_down() {
    local pid
    if ! pid=$(recorded_pid); then
        rm -f "$PIDFILE"
        log "no daemon recorded in $PIDFILE: nothing to stop"
        return
    fi
    log "stopping dockerd pid $pid"
    kill -TERM "$pid"
    local waited=0
    while kill -0 "$pid" 2>/dev/null; do
        ((waited < 60)) || die "dockerd pid $pid still runs after 60s"
        sleep 1
        waited=$((waited + 1))
    done
    rm -f "$PIDFILE"
    log "stopped"
}

cmd_status() {
    local pid
    if pid=$(recorded_pid); then
        log "recorded dockerd: pid $pid (log: $LOGFILE)"
    else
        log "no dockerd recorded by this script"
    fi
    if docker_ok; then
        reached
    else
        log "no engine answers at ${DOCKER_HOST:-$DEFAULT_HOST}"
        return 1
    fi
}

run_verb "up|down|status|env|exec [-- CMD...]" "$@"
