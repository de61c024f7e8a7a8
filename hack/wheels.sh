#!/usr/bin/env bash
# Download the wheels the frontend image installs, into .work/wheels/ (part of
# the build context). RUN steps on an engine without outbound network install
# from there; a build without that directory installs from the index as usual.
#
# The set is pyproject.toml's runtime dependencies, plus pip itself (the image's
# build stage runs pip from its wheel), for CPython 3.11 on manylinux, for both
# platforms the image is built for.
# Env: WHEEL_ARCHES (default: "x86_64 aarch64"),
#      PYTHON (default python3), FORCE=1 to download again.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

PYTHON=${PYTHON:-python3}
WHEELS=$STATE_DIR/wheels
ARCHES=${WHEEL_ARCHES:-x86_64 aarch64}

"$PYTHON" -m pip --version >/dev/null 2>&1 || apt_install python3-pip
mapfile -t reqs < <("$PYTHON" - "$ROOT/pyproject.toml" <<'EOF'
import sys
import tomllib

with open(sys.argv[1], "rb") as f:
    meta = tomllib.load(f)
for req in [*meta["project"]["dependencies"], "pip"]:
    print(req)
EOF
)
((${#reqs[@]} > 1)) || die "could not read the requirements from pyproject.toml"

stamp="${reqs[*]} | $ARCHES"
if [[ ${FORCE:-} != 1 && -f $WHEELS/.stamp && $(cat "$WHEELS/.stamp") == "$stamp" ]]; then
    log "wheels up to date in $WHEELS ($(find "$WHEELS" -name '*.whl' | wc -l) files)"
    exit 0
fi

rm -rf "$WHEELS"
mkdir -p "$WHEELS"
for arch in $ARCHES; do
    log "downloading wheels for cp311 manylinux $arch: ${reqs[*]}"
    # Debian bookworm has glibc 2.36: any manylinux wheel up to that runs.
    platforms=(--platform "manylinux2014_$arch")
    for glibc in 36 35 34 33 32 31 30 29 28 27 26 25 24 17; do
        platforms+=(--platform "manylinux_2_${glibc}_$arch")
    done
    "$PYTHON" -m pip download --quiet --dest "$WHEELS" --only-binary=:all: \
        --implementation cp --python-version 3.11 --abi cp311 --abi abi3 --abi none \
        "${platforms[@]}" "${reqs[@]}" </dev/null
done
echo "$stamp" >"$WHEELS/.stamp"
log "$(find "$WHEELS" -name '*.whl' | wc -l) wheels in $WHEELS ($(du -sh "$WHEELS" | cut -f1))"
