#!/usr/bin/env bash
# Build the frontend image (Dockerfile.frontend) into the engine as $FRONTEND_IMAGE.
# Env: PYTHON_IMAGE  base Python image (default: the offline stand-in
#                    pyfrontend/python-standin:3.11, made if missing; pass
#                    python:3.11-slim on an engine that can pull)
#      FRONTEND_IMAGE  tag (default myorg/pyfrontend)
#      CONTEXT   build context (default: the checkout); without .work/wheels in it
#                the dependencies come from the package index
#      PIP_INDEX_URL  that index, for a mirror (default: pip's own, PyPI)
#      BUILD_NETWORK  the RUN steps' network (docker build --network)
#      PLATFORM  target platform (default: the engine's); linux/arm64 on the
#                stand-in takes pyfrontend/python-standin:3.11-arm64 apart
#                (made if missing) without running it
set -euo pipefail
source "$(dirname "$0")/lib.sh"

PYTHON_IMAGE=${PYTHON_IMAGE:-$PYTHON_STANDIN_IMAGE}
BUILD_PYTHON_IMAGE=$PYTHON_IMAGE
args=()

docker_ok || die "no engine answers: run hack/engine.sh up first"
if [[ $PYTHON_IMAGE == "$PYTHON_STANDIN_IMAGE" ]]; then
    "$ROOT/hack/base-images.sh" python
    if [[ ${PLATFORM:-} == linux/arm64 ]]; then
        # One tag holds one platform on these engines: the build stage keeps the
        # engine's own stand-in, the target's is its arm64 twin.
        "$ROOT/hack/base-images.sh" python-arm64
        PYTHON_IMAGE=$PYTHON_STANDIN_IMAGE-arm64
    fi
fi
[[ -z ${PLATFORM:-} ]] || args+=(--platform "$PLATFORM")
[[ -z ${PIP_INDEX_URL:-} ]] || args+=(--build-arg "PIP_INDEX_URL=$PIP_INDEX_URL")
[[ -z ${BUILD_NETWORK:-} ]] || args+=(--network "$BUILD_NETWORK")
"$ROOT/hack/wheels.sh"

start=$SECONDS
# SOURCE_DATE_EPOCH: the image config's dates, where the engine's frontend honours it
# (BuildKit 0.11 and later): two builds then give the same image id, as the root
# filesystem is the same bytes (see hack/image_root.py).
"$DOCKER" build -f "$ROOT/Dockerfile.frontend" "${args[@]}" \
    --build-arg "PYTHON_IMAGE=$PYTHON_IMAGE" --build-arg "BUILD_PYTHON_IMAGE=$BUILD_PYTHON_IMAGE" \
    --build-arg "SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-315532800}" \
    -t "$FRONTEND_IMAGE" "${CONTEXT:-$ROOT}" </dev/null
size=$("$DOCKER" image inspect -f '{{.Size}}' "$FRONTEND_IMAGE")
log "built $FRONTEND_IMAGE on $PYTHON_IMAGE in $((SECONDS - start))s:" \
    "$((size / 1000000)) MB ($size bytes)"
