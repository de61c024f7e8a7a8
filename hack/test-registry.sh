#!/usr/bin/env bash
# A throwaway registry for tests: Debian's docker-registry (installed if missing)
# serving DIR over plain HTTP on 127.0.0.1:PORT, in the foreground until it is
# stopped (the process becomes the registry: stop it by its pid).
# Usage: hack/test-registry.sh DIR PORT
set -euo pipefail
source "$(dirname "$0")/lib.sh"

(($# == 2)) || die "usage: $0 DIR PORT"
dir=$1
port=$2
[[ $port =~ ^[0-9]+$ ]] || die "PORT must be a number, not '$port'"
command -v docker-registry >/dev/null || apt_install docker-registry
mkdir -p "$dir/data"
cat >"$dir/config.yml" <<CONFIG
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $dir/data
http:
  addr: 127.0.0.1:$port
CONFIG
exec docker-registry serve "$dir/config.yml"
