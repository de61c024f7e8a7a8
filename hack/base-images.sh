#!/usr/bin/env bash
# Offline stand-in base images, made without any registry pull. Images that
# already exist are left alone (FORCE=1 remakes them).
#
#   busybox:latest                   FROM-scratch tree of Debian's busybox-static
#   pyfrontend/python-standin:3.11   Debian bookworm minbase + python3 (debootstrap)
#   pyfrontend/python-standin:3.11-arm64  the same for linux/arm64, unpacked but never
#                                    run (for cross builds of the frontend image)
#   pyfrontend/testdata:latest       a few known files, the "external image" of
#                                    COPY --from=<image> tests
#   pyfrontend/python-slim-standin:3.11  the official python:3.11-slim image's
#                                    layout: the bookworm stand-in without Debian's
#                                    Python, and a CPython 3.11 built with shared
#                                    libpython under /usr/local (the CPython of
#                                    $PYTHON or python3, which must be one), with pip
#
# Usage: hack/base-images.sh [busybox|python|python-arm64|python-slim|testdata]...
#        (default: busybox python testdata)
# Env:   DEBIAN_MIRROR (default http://deb.debian.org/debian), FORCE=1, PYTHON
set -euo pipefail
source "$(dirname "$0")/lib.sh"

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
PATH_ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

WORK=
cleanup() {
    [[ -n $WORK && -d $WORK ]] || return 0
    # debootstrap mounts /proc, /sys (and maybe /dev) inside the tree: never
    # delete through a mount that is still there.
    local m
    for m in $(grep -o " $WORK/[^ ]*" /proc/mounts | sort -r); do
        umount -l "$m" || true
    done
    rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

new_workdir() {
    cleanup
    WORK=$(mktemp -d /var/tmp/pyfrontend-image.XXXXXX)
}

# import_tree DIR IMAGE [--change ...]: import DIR as a one-layer image owned by root.
import_tree() {
    local dir=$1 image=$2
    shift 2
    tar --numeric-owner --owner=0 --group=0 --sort=name -C "$dir" -c . \
        | "$DOCKER" import "$@" - "$image" >/dev/null
}

# load_tree_as DIR IMAGE ARCH: like import_tree, but for another architecture
# (docker import on Engine 20.10 ignores --platform): a docker-archive by hand.
load_tree_as() {
    local dir=$1 image=$2 arch=$3 archive=$WORK/archive
    mkdir -p "$archive"
    tar --numeric-owner --owner=0 --group=0 --sort=name -C "$dir" -cf "$archive/layer.tar" .
    python3 - "$archive" "$image" "$arch" "$PATH_ENV" <<'EOF2'
import hashlib, json, sys
archive, image, arch, path_env = sys.argv[1:]
with open(f"{archive}/layer.tar", "rb") as f:
    digest = hashlib.file_digest(f, "sha256").hexdigest()
config = {
    "architecture": arch,
    "os": "linux",
    "config": {"Env": [path_env, "LANG=C.UTF-8"], "Cmd": ["python3"]},
    "rootfs": {"type": "layers", "diff_ids": [f"sha256:{digest}"]},
    "history": [{"created_by": "hack/base-images.sh"}],
}
with open(f"{archive}/config.json", "w") as f:
    json.dump(config, f)
with open(f"{archive}/manifest.json", "w") as f:
    json.dump([{"Config": "config.json", "RepoTags": [image], "Layers": ["layer.tar"]}], f)
EOF2
    tar -C "$archive" -c manifest.json config.json layer.tar | "$DOCKER" load >/dev/null
}

want() { [[ ${FORCE:-} == 1 ]] || ! image_exists "$1"; }

make_busybox() {
    want "$BUSYBOX_IMAGE" || { log "$BUSYBOX_IMAGE present"; return; }
    apt_install busybox-static
    new_workdir
    local root=$WORK/rootfs applet
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,home,var,tmp}
    chmod 1777 "$root/tmp"
    chmod 700 "$root/root"
    install -m 755 /bin/busybox "$root/bin/busybox"
    for applet in $(/bin/busybox --list-full); do
        [[ -e $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
    done
    printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
        'nobody:x:65534:65534:nobody:/home:/bin/false' >"$root/etc/passwd"
    printf '%s\n' 'root:x:0:' 'nobody:x:65534:' >"$root/etc/group"
    import_tree "$root" "$BUSYBOX_IMAGE" --change "ENV $PATH_ENV" --change 'CMD ["sh"]'
    log "made $BUSYBOX_IMAGE"
}

# copy_from_legacy IMAGE: load IMAGE from Engine 20.10 on the default socket into
# the engine at DOCKER_HOST, when that is another engine that lacks it.
copy_from_legacy() {
    local legacy=(/usr/bin/docker -H unix:///var/run/docker.sock)
    [[ -n ${DOCKER_HOST:-} && $DOCKER_HOST != unix:///var/run/docker.sock ]] || return 1
    "${legacy[@]}" image inspect "$1" >/dev/null 2>&1 </dev/null || return 1
    "${legacy[@]}" save "$1" </dev/null | "$DOCKER" load >/dev/null || return 1
    log "copied $1 from the engine on the default socket"
}

make_python() {
    want "$PYTHON_STANDIN_IMAGE" || { log "$PYTHON_STANDIN_IMAGE present"; return; }
    copy_from_legacy "$PYTHON_STANDIN_IMAGE" && return
    apt_install debootstrap debian-archive-keyring
    new_workdir
    local root=$WORK/rootfs
    log "debootstrap bookworm minbase + python3 from $MIRROR (about a minute)"
    debootstrap --variant=minbase --include=python3 bookworm "$root" "$MIRROR" \
        >"$WORK/debootstrap.log" 2>&1 </dev/null || {
        tail -n 30 "$WORK/debootstrap.log" >&2
        die "debootstrap failed"
    }
    # What the slim official images drop as well.
    rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/var/log/* \
        "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
        "$root"/usr/share/locale/*
    import_tree "$root" "$PYTHON_STANDIN_IMAGE" --change "ENV $PATH_ENV" \
        --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]'
    log "made $PYTHON_STANDIN_IMAGE"
}

# The arm64 stand-in: debootstrap's first stage only downloads and unpacks the
# essential packages; the rest are unpacked here. No maintainer script runs (that
# would need arm64 code), which the frontend image, taking files only, does not need.
make_python_arm64() {
    local image=$PYTHON_STANDIN_IMAGE-arm64
    want "$image" || { log "$image present"; return; }
    copy_from_legacy "$image" && return
    apt_install debootstrap debian-archive-keyring
    new_workdir
    local root=$WORK/rootfs deb
    log "debootstrap --foreign arm64 bookworm minbase + python3 from $MIRROR"
    debootstrap --foreign --arch=arm64 --variant=minbase --include=python3 bookworm \
        "$root" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 </dev/null || {
        tail -n 30 "$WORK/debootstrap.log" >&2
        die "debootstrap failed"
    }
    for deb in "$root"/var/cache/apt/archives/*.deb; do
        dpkg-deb -x "$deb" "$root"
    done
    rm -rf "$root"/debootstrap "$root"/var/cache/apt/* "$root"/usr/share/doc/* \
        "$root"/usr/share/man/* "$root"/usr/share/locale/*
    ln -sf python3.11 "$root/usr/bin/python3"
    load_tree_as "$root" "$image" arm64
    log "made $image"
}

# The official image's layout, for building the frontend image as it is built online:
# /usr/local/bin/python3.11 loading /usr/local/lib/libpython3.11.so.1.0, the standard
# library and pip under /usr/local/lib/python3.11, no Python of Debian's.
make_python_slim() {
    local image=$PYTHON_SLIM_STANDIN_IMAGE
    want "$image" || { log "$image present"; return; }
    image_exists "$PYTHON_STANDIN_IMAGE" || make_python
    apt_install binutils
    new_workdir
    local root=$WORK/rootfs prefix ver
    read -r prefix ver < <("${PYTHON:-python3}" -c 'import sys, sysconfig
shared = sysconfig.get_config_var("Py_ENABLE_SHARED")
print(sys.base_prefix if shared else "-", "%d.%d" % sys.version_info[:2])')
    [[ $prefix != - && $ver == 3.11 ]] \
        || die "python-slim needs python3 3.11 built with --enable-shared (found $ver)"
    mkdir -p "$root"
    local cid
    cid=$("$DOCKER" create "$PYTHON_STANDIN_IMAGE" </dev/null)
    "$DOCKER" export "$cid" </dev/null | tar -C "$root" -x
    "$DOCKER" rm "$cid" >/dev/null </dev/null
    rm -rf "$root"/usr/bin/python3* "$root"/usr/lib/python3* "$root"/usr/share/python3* \
        "$root"/.dockerenv
    local lib=$root/usr/local/lib
    mkdir -p "$root/usr/local/bin" "$lib/python3.11"
    cp -a "$prefix/bin/python3.11" "$root/usr/local/bin/"
    ln -s python3.11 "$root/usr/local/bin/python3"
    ln -s python3 "$root/usr/local/bin/python"
    cp -a "$prefix/lib/libpython3.11.so.1.0" "$lib/"
    ln -s libpython3.11.so.1.0 "$lib/libpython3.11.so"
    # The standard library without what the slim image leaves out too (tests, the
    # static library, IDLE, Tk); of the installed packages only pip.
    tar -C "$prefix/lib/python3.11" -c --exclude=./test --exclude='./config-*' \
        --exclude=./idlelib --exclude=./tkinter --exclude=./turtledemo \
        --exclude=./site-packages --exclude=__pycache__ . | tar -C "$lib/python3.11" -x
    mkdir -p "$lib/python3.11/site-packages"
    cp -a "$prefix/lib/python3.11/site-packages/"pip "$prefix/lib/python3.11/site-packages/"pip-*.dist-info \
        "$lib/python3.11/site-packages/"
    # The official build links with --strip-all.
    strip --strip-all "$root/usr/local/bin/python3.11" "$lib/libpython3.11.so.1.0" \
        "$lib"/python3.11/lib-dynload/*.so
    ldconfig -r "$root"
    import_tree "$root" "$image" --change "ENV $PATH_ENV" --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["python3"]'
    log "made $image from the python3 in $prefix"
}

make_testdata() {
    want "$TESTDATA_IMAGE" || { log "$TESTDATA_IMAGE present"; return; }
    new_workdir
    local root=$WORK/rootfs
    mkdir -p "$root"/etc/nginx "$root"/data/sub "$root"/usr/local/bin
    printf 'events {}\nhttp { server { listen 80; } }\n' >"$root/etc/nginx/nginx.conf"
    printf 'hello from testdata\n' >"$root/data/hello.txt"
    printf 'nested\n' >"$root/data/sub/nested.txt"
    printf '#!/bin/sh\necho tool\n' >"$root/usr/local/bin/tool"
    chmod 755 "$root/usr/local/bin/tool"
    chmod 640 "$root/data/sub/nested.txt"
    ln -s hello.txt "$root/data/link.txt"
    import_tree "$root" "$TESTDATA_IMAGE" --change 'LABEL org.example.testdata=1'
    log "made $TESTDATA_IMAGE"
}

docker_ok || die "no engine answers: run hack/engine.sh up first"
(($#)) || set -- busybox python testdata
for what in "$@"; do
    case $what in
    busybox) make_busybox ;;
    python) make_python ;;
    python-arm64) make_python_arm64 ;;
    python-slim) make_python_slim ;;
    testdata) make_testdata ;;
    *) die "unknown image '$what' (busybox|python|python-arm64|python-slim|testdata)" ;;
    esac
done
