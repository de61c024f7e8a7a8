#!/usr/bin/env bash
# Check the linux/arm64 frontend image as far as an amd64 machine allows: build it
# from Dockerfile.frontend (its build stage runs natively; nothing of arm64 runs),
# check its platform and ELF files, then run its entry point under qemu-user
# (Debian's qemu-user-static, unpacked, never registered with binfmt_misc)
# against the fake engine of hack/bench_startup.py: Ping, Solve, Return.
# Env: FRONTEND_IMAGE (the arm64 image is tagged $FRONTEND_IMAGE-arm64), PYTHON.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

PYTHON=${PYTHON:-$ROOT/.work/venv/bin/python}
IMAGE=$FRONTEND_IMAGE-arm64

PLATFORM=linux/arm64 FRONTEND_IMAGE=$IMAGE "$ROOT/hack/image.sh"
platform=$("$DOCKER" image inspect -f '{{.Os}}/{{.Architecture}}' "$IMAGE")
[[ $platform == linux/arm64 ]] || die "$IMAGE is $platform, not linux/arm64"

qemu=$STATE_DIR/qemu/usr/bin/qemu-aarch64-static
if [[ ! -x $qemu ]]; then
    mkdir -p "$STATE_DIR/qemu"
    (cd "$STATE_DIR/qemu" && apt-get download qemu-user-static >/dev/null </dev/null) \
        || die "cannot download qemu-user-static (apt-get update first?)"
    dpkg-deb -x "$STATE_DIR"/qemu/qemu-user-static_*.deb "$STATE_DIR/qemu"
fi
log "$IMAGE is $platform; running it under $(basename "$qemu")"
"$PYTHON" "$ROOT/hack/bench_startup.py" -n 1 --warmup 0 --image "$IMAGE" --emulator "$qemu"
