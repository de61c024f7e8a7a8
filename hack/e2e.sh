#!/usr/bin/env bash
# The end-to-end suite on one or more test engines, one after the other.
#
# Usage: hack/e2e.sh [ENGINE...] [-- PYTEST_ARGS...]
#   ENGINE  legacy (Engine 20.10, `docker build`), current (Debian unstable's
#           Docker with buildx, classic image store), current-containerd (the
#           same with the containerd image store), buildkitd (a standalone
#           buildkitd from the conformance harness's work dir, driven with
#           buildctl: hack/engine-buildkitd.sh); default: the three Docker engines
# Each engine is started (or reused) first; if one cannot start, that is a
# failure. Tests choose their engines with @pytest.mark.engines(...); those
# not meant for an engine are deselected there, never skipped.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

engines=()
while (($#)) && [[ $1 != -- ]]; do
    engines+=("$1")
    shift
done
[[ ${1:-} == -- ]] && shift
((${#engines[@]})) || engines=(legacy current current-containerd)
PY=${PYTHON:-python3}
# tests/e2e/test_publish.py serves a registry (hack/test-registry.sh) inside an
# engine's network namespace, where apt cannot reach a mirror: install it here.
apt_install docker-registry

failed=()
for engine in "${engines[@]}"; do
    log "=== end-to-end tests on the $engine engine"
    rc=0
    case $engine in
    legacy | current | current-containerd | buildkitd) ;;
    *) die "unknown engine '$engine' (legacy, current, current-containerd, buildkitd)" ;;
    esac
    PYFRONTEND_ENGINE=$engine "$ROOT/hack/engine.sh" up
    PYFRONTEND_ENGINE=$engine "$ROOT/hack/engine.sh" exec -- \
        "$PY" -m pytest -m e2e "$ROOT/tests/e2e" "$@" || rc=$?
    if ((rc == 5)); then
        log "error: pytest collected no tests on the $engine engine"
        rc=1
    fi
    ((rc == 0)) || failed+=("$engine")
done
((${#failed[@]} == 0)) || die "end-to-end tests failed on: ${failed[*]}"
