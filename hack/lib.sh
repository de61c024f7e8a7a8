# Shared helpers for the hack/ scripts. Source it; do not run it.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_DIR=${PYFRONTEND_STATE_DIR:-$ROOT/.work}

# Debian's 20.10 client: it runs BuildKit builds with DOCKER_BUILDKIT=1. A newer
# client earlier on PATH may lack the buildx plugin and cannot.
DOCKER=${DOCKER:-/usr/bin/docker}
export DOCKER_BUILDKIT=1

# Image names shared by the scripts, the Makefile and tests/e2e.
BUSYBOX_IMAGE=${BUSYBOX_IMAGE:-busybox:latest}
PYTHON_STANDIN_IMAGE=${PYTHON_STANDIN_IMAGE:-pyfrontend/python-standin:3.11}
PYTHON_SLIM_STANDIN_IMAGE=${PYTHON_SLIM_STANDIN_IMAGE:-pyfrontend/python-slim-standin:3.11}
TESTDATA_IMAGE=${TESTDATA_IMAGE:-pyfrontend/testdata:latest}
FRONTEND_IMAGE=${FRONTEND_IMAGE:-myorg/pyfrontend}

log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# apt_install PKG...: install the Debian packages that are missing.
apt_install() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    [[ $(id -u) == 0 ]] || die "need root to install: ${missing[*]}"
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq </dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
}

# docker_ok: does the engine at DOCKER_HOST (or the default socket) answer?
docker_ok() {
    [[ -x $DOCKER ]] && timeout 10 "$DOCKER" version --format '{{.Server.Version}}' \
        >/dev/null 2>&1 </dev/null
}

# exec_in_env [--] CMD...: run CMD with the environment the engine script's
# print_env prints.
exec_in_env() {
    [[ ${1:-} == -- ]] && shift
    (($#)) || die "exec: no command"
    eval "$(print_env)"
    exec "$@"
}

# run_verb USAGE [VERB ARGS...]: an engine script's command line: env (print_env),
# exec (exec_in_env), or VERB when the script defines cmd_VERB (up, down, ...).
run_verb() {
    local usage=$1 verb=${2:-}
    case $verb in
    env) print_env ;;
    exec) exec_in_env "${@:3}" ;;
    *)
        if [[ $verb =~ ^[a-z]+$ ]] && declare -F "cmd_$verb" >/dev/null; then
            "cmd_$verb" "${@:3}"
        else
            echo "usage: $0 $usage" >&2
            exit 2
        fi
        ;;
    esac
}

image_exists() { "$DOCKER" image inspect "$1" >/dev/null 2>&1 </dev/null; }
