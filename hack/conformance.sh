#!/usr/bin/env bash
# BuildKit's own Dockerfile integration suite, in gateway mode, against this
# frontend and against Docker's Go frontend built from the same BuildKit tree;
# then the comparison (hack/conformance_report.py).
#
# The suite's harness is not part of this repository: CONFORMANCE_HARNESS names
# a directory with its setup.sh and run.sh (they build buildkitd, the test
# binary and the Go frontend offline from a moby/buildkit clone, serve stand-in
# base images from a local registry, and write one result dir per run).
#
# Env: CONFORMANCE_HARNESS  the harness directory (required)
#      BUILDKIT_SRC         a git dir (bare is fine) of moby/buildkit with its tags (required)
#      BUILDKIT_TAG         the suite's BuildKit release (default v0.26.3)
#      DOCKERFILE_TAG       the Go frontend's tag (default: the harness's choice)
#      PYF_CONF_DIR         the harness's work dir (default: the harness's)
#      TESTS                test function regex (default: all)
#      PARALLEL             sandboxes at once (default 2)
#      CONFORMANCE_REF      a reference result dir to reuse (default: the newest
#                           finished run of the same Go image and TESTS, else a new run)
# The image is built from this checkout's git HEAD (uncommitted changes are not in it).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

export BUILDKIT_TAG=${BUILDKIT_TAG:-v0.26.3}
export PARALLEL=${PARALLEL:-2}
TESTS=${TESTS:-.*}
PY=${PYTHON:-python3}

harness=${CONFORMANCE_HARNESS:-}
[[ -n $harness ]] || die "set CONFORMANCE_HARNESS to the directory of the suite's harness" \
    "(setup.sh, run.sh); it is not part of this repository"
for f in setup.sh run.sh; do
    [[ -x $harness/$f ]] || die "CONFORMANCE_HARNESS=$harness has no executable $f"
done
[[ -n ${BUILDKIT_SRC:-} ]] || die "set BUILDKIT_SRC to a git dir of moby/buildkit" \
    "(a bare clone with its tags; nothing is downloaded)"
git -C "$BUILDKIT_SRC" rev-parse -q --verify "$BUILDKIT_TAG^{commit}" >/dev/null \
    || die "BUILDKIT_SRC=$BUILDKIT_SRC has no tag $BUILDKIT_TAG"
if [[ -n ${DOCKERFILE_TAG:-} ]]; then
    git -C "$BUILDKIT_SRC" rev-parse -q --verify "$DOCKERFILE_TAG^{commit}" >/dev/null \
        || die "BUILDKIT_SRC=$BUILDKIT_SRC has no tag $DOCKERFILE_TAG"
fi
export BUILDKIT_SRC
docker_ok || die "no Docker engine answers (it builds the frontend images): hack/engine.sh up"
[[ -z $(git -C "$ROOT" status --porcelain --untracked-files=no) ]] \
    || log "note: uncommitted changes are not in the image (it is built from git HEAD)"

# 1. the harness (idempotent) and our image from HEAD; the last lines name the images
setup_log=$(mktemp)
trap 'rm -f "$setup_log"' EXIT
# (PYTHON is this checkout's; the image is built in a copy that has no venv)
env -u PYTHON "$harness/setup.sh" pyfrontend "$ROOT" 2>&1 | tee "$setup_log" >&2 \
    || die "the harness's setup failed (see above)"
ours=$(sed -n 's/.*(engine image \([^)]*\)).*/\1/p' "$setup_log" | tail -1)
ref=$(sed -n 's/.*reference image \([^)]*\)).*/\1/p' "$setup_log" | tail -1)
[[ -n $ours && -n $ref ]] || die "could not tell the images from the harness's setup output"

# 2. the Go frontend's run (or a finished one for the same image and tests), then ours
run_suite() { # IMAGE: prints the result dir
    "$harness/run.sh" "$1" "$TESTS" | tail -1
}
ref_dir=${CONFORMANCE_REF:-}
if [[ -z $ref_dir ]]; then
    ref_dir=$("$PY" "$ROOT/hack/conformance_report.py" --find-reuse "$ref" "$TESTS" \
        "$("$DOCKER" image inspect -f '{{.Id}}' "$ref")" "${PYF_CONF_DIR:-$HOME/.cache/pyf-conf}/results/$BUILDKIT_TAG")
fi
if [[ -n $ref_dir ]]; then
    log "reusing the $ref run $ref_dir"
else
    log "running the suite against $ref"
    ref_dir=$(run_suite "$ref")
fi
log "running the suite against $ours"
ours_dir=$(run_suite "$ours")

# 3. the comparison
"$PY" "$ROOT/hack/conformance_report.py" "$ref_dir" "$ours_dir"
