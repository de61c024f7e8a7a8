#!/usr/bin/env bash
# Publish the frontend image for linux/amd64 and linux/arm64 under one tag, the
# version in pyproject.toml, as a manifest list; print the list's digest on stdout.
#
# Usage: hack/publish.sh REGISTRY      (host[:port]/name, e.g. registry.example/pyfrontend)
#
# The engine builds both images from Dockerfile.frontend (hack/image.sh; the
# arm64 build runs nothing of arm64) and pushes them as NAME:VERSION-amd64 and
# NAME:VERSION-arm64; then the client writes the list NAME:VERSION over the two
# (`docker manifest`, reading each image's platform from its config). So the
# registry must answer both the engine and the client: a registry on 127.0.0.1
# is the loopback of the network namespace they run in (`hack/engine.sh exec`
# for the current engines). A registry on a loopback address is spoken to over
# plain HTTP, which Docker allows there by default.
# Env: FRONTEND_IMAGE (the local images are $FRONTEND_IMAGE-amd64, -arm64),
#      PYTHON_IMAGE (see hack/image.sh), PYTHON (reads pyproject.toml).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

PYTHON=${PYTHON:-python3}
ARCHES=(amd64 arm64)

(($# == 1)) || die "usage: $0 host[:port]/name"
name=$1
[[ $name =~ ^([A-Za-z0-9.-]+|\[[0-9a-f:]+\])(:[0-9]+)?/[a-z0-9]+([._/-][a-z0-9]+)*$ ]] \
    || die "REGISTRY=$name: expected host[:port]/name (lower case, no tag or digest)"
insecure=()
case ${name%%/*} in
localhost | localhost:* | 127.* | "[::1]" | "[::1]:"*) insecure=(--insecure) ;;
esac

version=$("$PYTHON" -c 'import sys, tomllib
print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' "$ROOT/pyproject.toml")
[[ $version =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]*$ ]] || die "unusable version '$version' in pyproject.toml"

docker_ok || die "no engine answers: run hack/engine.sh up first"
# A current engine would add a provenance attestation to each image, making it
# a list of its own; the published list carries the two images only.
export BUILDX_NO_DEFAULT_ATTESTATIONS=1

pushed=()
cleanup() {
    ((${#pushed[@]} == 0)) || "$DOCKER" image rm "${pushed[@]}" >/dev/null 2>&1 || true
}
trap cleanup EXIT

sources=()
for arch in "${ARCHES[@]}"; do
    local_image=$FRONTEND_IMAGE-$arch
    PLATFORM=linux/$arch FRONTEND_IMAGE=$local_image "$ROOT/hack/image.sh"
    platform=$("$DOCKER" image inspect -f '{{.Os}}/{{.Architecture}}' "$local_image")
    [[ $platform == "linux/$arch" ]] || die "$local_image is $platform, not linux/$arch"
    remote=$name:$version-$arch
    "$DOCKER" tag "$local_image" "$remote"
    pushed+=("$remote")
    log "pushing $remote"
    "$DOCKER" push "$remote" >&2 </dev/null
    sources+=("$remote")
done

list=$name:$version
"$DOCKER" manifest rm "$list" >/dev/null 2>&1 || true
"$DOCKER" manifest create "${insecure[@]}" "$list" "${sources[@]}" >&2 </dev/null
digest=$("$DOCKER" manifest push "${insecure[@]}" --purge "$list" </dev/null | tail -n 1)
[[ $digest =~ ^sha256:[0-9a-f]{64}$ ]] || die "docker manifest push printed no digest: '$digest'"
log "published $list ($(IFS=,; echo "${ARCHES[*]/#/linux/}")); pin it with:"
log "# syntax=$list@$digest"
echo "$digest"
