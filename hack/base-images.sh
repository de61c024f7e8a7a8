#!/usr/bin/env bash
# Offline stand-in base images, made without any registry pull. Images that
# already exist are left alone (FORCE=1 remakes them).
#
#   busybox:latest                   FROM-scratch tree of Debian's busybox-static
#   pyfrontend/python-standin:3.11   Debian bookworm minbase + python3 (debootstrap)
#   pyfrontend/testdata:latest       a few known files, the "external image" of
#                                    COPY --from=<image> tests
#
# Usage: hack/base-images.sh [busybox|python|testdata]...   (default: all three)
# Env:   DEBIAN_MIRROR (default http://deb.debian.org/debian), FORCE=1
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
    testdata) make_testdata ;;
    *) die "unknown image '$what' (busybox|python|testdata)" ;;
    esac
done
