"""Image config parity, instruction by instruction, with the built-in frontend.

Each Dockerfile groups related instructions; the harness compares configs
(history included) and file trees.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator

import pytest

from .harness import (
    ENGINE,
    assert_same_build,
    build,
    build_fails,
    docker,
    raw_config,
    raw_config_bytes,
    run_image,
    snapshot,
    tag_image,
)

pytestmark = pytest.mark.e2e

FILES = {"a.txt": "a\n"}


@pytest.fixture(scope="module")
def base_image() -> Iterator[str]:
    """A local image with a health check, labels, CMD and a stop signal to inherit."""
    image = build(
        "FROM busybox\n"
        'HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/true"]\n'
        'LABEL base.label=1 base.other="from base"\n'
        "STOPSIGNAL SIGQUIT\n"
        'CMD ["base-cmd"]\n',
        frontend="builtin",
    )
    tag = f"pyfrontend-e2e/config-base:{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tag_image(image, tag)
    yield tag
    docker("image", "rm", tag)


HEALTHCHECK = r"""
FROM busybox AS base
HEALTHCHECK --interval=1m30s --timeout=1.5s --start-period=100ms --retries=10 \
  CMD wget -q -O- "http://localhost:8080/$PATH" || exit 1

FROM base AS inherits
RUN true

FROM base AS replaced
HEALTHCHECK --retries=39 --timeout=3000ms --start-period=0.5h CMD echo 'only one counts'
healthcheck --interval=2h3m4.005s cmd ["/bin/check", "--deep", "$HOME"]

FROM base AS disabled
HEALTHCHECK NONE

FROM busybox AS parent
ONBUILD HEALTHCHECK --timeout=2s CMD ["trigger"]
FROM parent AS triggered
"""


@pytest.mark.parametrize("target", ["base", "inherits", "replaced", "disabled", "triggered"])
def test_healthcheck(target: str) -> None:
    image = assert_same_build(HEALTHCHECK, target=target)
    health = snapshot(image).config["Config"]["Healthcheck"]
    if target == "disabled":
        assert health == {"Test": ["NONE"]}
    elif target == "replaced":
        assert health == {
            "Test": ["CMD", "/bin/check", "--deep", "$HOME"],
            "Interval": 7384005000000,
        }


def test_healthcheck_inherited_from_an_image(base_image: str) -> None:
    image = assert_same_build(f"FROM {base_image}\nRUN true\n")
    assert snapshot(image).config["Config"]["Healthcheck"]["Retries"] == 3


def test_healthcheck_start_interval() -> None:
    dockerfile = "FROM busybox\nHEALTHCHECK --start-interval=250ms --start-period=5s CMD true\n"
    if ENGINE == "legacy":  # the built-in frontend of Engine 20.10 predates --start-interval
        image = build(dockerfile, frontend="ours")
    else:
        image = assert_same_build(dockerfile)
    config = raw_config(image)
    assert config["config"]["Healthcheck"] == {
        "Test": ["CMD-SHELL", "true"],
        "StartPeriod": 5_000_000_000,
        "StartInterval": 250_000_000,
    }
    assert config["history"][-1]["created_by"] == (
        """HEALTHCHECK &{["CMD-SHELL" "true"] "0s" "0s" "5s" "250ms" '\\x00'}"""
    )


SHELL = r"""
FROM busybox AS shell
SHELL ["/bin/sh", "-ec"]
RUN echo "$0 $-" > /shell-flags
CMD echo "cmd $HOME"
ENTRYPOINT exec echo entry

FROM shell AS child
RUN echo inherited > /child
ENTRYPOINT echo "resets the inherited CMD"

FROM shell AS own-cmd
CMD ["exec", "form"]
SHELL ["/bin/sh", "-c", "-x"]
ENTRYPOINT echo "keeps this stage's CMD"
"""


@pytest.mark.parametrize("target", ["shell", "child", "own-cmd"])
def test_shell_then_shell_forms(target: str) -> None:
    image = assert_same_build(SHELL, target=target)
    config = snapshot(image).config["Config"]
    if target == "shell":
        assert config["Cmd"] == ["/bin/sh", "-ec", 'echo "cmd $HOME"']
    if target == "child":
        assert config["Cmd"] is None


SIGNALS_VOLUMES_PORTS = r"""
FROM busybox
ARG SIG=SIGUSR1
ENV PORTS="8000-8001/udp 9000" VOL=/from-env
STOPSIGNAL $SIG
STOPSIGNAL ${SIG:+9}
STOPSIGNAL sigrtmin+3
VOLUME ["/json/one", "/json/two"]
VOLUME /plain/a /plain/b
VOLUME $VOL ${VOL}2
VOLUME ["$VOL/json"]
EXPOSE $PORTS 7000/TCP 8080:80 127.0.0.1:9090-9091:5000-5001/udp
EXPOSE 443 443/tcp 0.0.0.0:53:53/sctp $UNSET
EXPOSE {lenient} :81 [::1]:82:82 8080-8081:83
"""


def test_stopsignal_volume_expose() -> None:
    # Docker's frontend reads ports with its own stricter rules since BuildKit v0.25.
    lenient = "80/tcp/x 1-2-3" if ENGINE == "legacy" else "+80 84-84/UDP"
    image = assert_same_build(SIGNALS_VOLUMES_PORTS.replace("{lenient}", lenient))
    config = snapshot(image).config["Config"]
    assert config["StopSignal"] == "sigrtmin+3"
    assert "/from-env2" in config["Volumes"]
    assert "5001/udp" in config["ExposedPorts"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("STOPSIGNAL ${SIG:-SIGNOPE}", "invalid signal: SIGNOPE"),
        ("STOPSIGNAL 0", "invalid signal: 0"),
        ("EXPOSE abc:80", "invalid hostPort: abc"),
        ("EXPOSE 1.2.3:80:80", "invalid ip address: 1.2.3"),
        ("EXPOSE 8080-8081:80-82", "invalid ranges specified for container and host ports"),
    ],
)
def test_invalid_stopsignal_and_port_specs(line: str, message: str) -> None:
    dockerfile = f"FROM busybox\n{line}\n"
    assert message.lower() in build_fails(dockerfile, frontend="builtin").lower()
    log = build_fails(dockerfile, frontend="ours")
    assert message.lower() in log.lower()
    assert "Dockerfile:3" in log  # line 1 is the `# syntax` line the harness adds


LABELS_AND_ENV = r"""
FROM {base}
LABEL a=1 "b c"="d e" 'f'='g h' escaped=x\ y quote="say \"hi\"" base.label=overridden
LABEL multi.one=1 \
      multi.two="two words" empty=""
ENV LEGACY legacy value with   spaces
ENV Q="a \"quoted\" value" S='single $HOME' E=a\ b\$c
ENV REF="$Q|${{S}}|$LEGACY" EMPTY=""
LABEL from.env="$REF"
"""


def test_labels_and_env(base_image: str) -> None:
    image = assert_same_build(LABELS_AND_ENV.format(base=base_image))
    config = snapshot(image).config["Config"]
    assert config["Labels"]["base.other"] == "from base"
    assert config["Cmd"] == ["base-cmd"]
    assert 'Q=a "quoted" value' in config["Env"]


USER_WORKDIR_ARGS = r"""
ARG ROOT=/srv
FROM busybox
ARG ROOT
ARG APP=app
ARG DIR=${ROOT}/${APP}
ARG LATER=${UNSET:-fallback}-$APP
ENV SHADOW=env
ARG SHADOW=arg
ENV SEEN=$SHADOW
USER 1234:5678
WORKDIR $DIR
WORKDIR rel/../sub
WORKDIR ./deeper/
WORKDIR $APP
RUN pwd > /tmp/pwd && echo "$DIR $LATER" > /tmp/args && id > /tmp/id
WORKDIR /abs//dir/
WORKDIR next
USER nobody:nobody
"""


@pytest.mark.parametrize(
    "build_args", [{}, {"APP": "other", "ROOT": "/opt"}], ids=["defaults", "args"]
)
def test_user_workdir_and_arg_defaults(build_args: dict[str, str]) -> None:
    image = assert_same_build(USER_WORKDIR_ARGS, build_args=build_args)
    app = build_args.get("APP", "app")
    root = build_args.get("ROOT", "/srv")
    assert run_image(image, "cat", "/tmp/pwd", "/tmp/args") == (
        f"{root}/{app}/sub/deeper/{app}\n{root}/{app} fallback-{app}\n"
    )
    assert snapshot(image).config["Config"]["WorkingDir"] == "/abs/dir/next"


ONBUILD_AND_CMD = r"""
FROM busybox AS parent
CMD ["parent-cmd"]
ONBUILD ARG TRIGGER_ARG=from-trigger
ONBUILD RUN echo "$TRIGGER_ARG" > /trigger
ONBUILD WORKDIR /onbuild-dir
ONBUILD ENV FROM_TRIGGER=yes
ONBUILD LABEL trigger.label="$FROM_TRIGGER"

FROM parent AS child
RUN pwd > /child-pwd

FROM child AS grandchild
LABEL g=1
"""


@pytest.mark.parametrize("target", ["parent", "child", "grandchild"])
def test_onbuild_and_inherited_cmd(target: str) -> None:
    image = assert_same_build(ONBUILD_AND_CMD, target=target)
    config = snapshot(image).config["Config"]
    assert config["Cmd"] == ["parent-cmd"]
    assert (config["OnBuild"] is not None) == (target == "parent")


ESCAPE = r"""# escape=`
FROM busybox
ENV WINPATH=C:\Users\app `
    OTHER=x`$y JOINED=C:\a`
b
LABEL path="C:\Program Files\App" tick=a``b quote="a`"b"
WORKDIR C:\work
WORKDIR `$WINPATH
COPY a.txt C:\dest\
COPY ["a.txt", "C:\\json\\"]
VOLUME C:\vol D:\data`\x
EXPOSE 80`
81
RUN echo C:\dir > /win.txt `
 && echo "second $WINPATH" >> /win.txt
USER `$HOME
CMD dir C:\
"""


def test_escape_directive_with_windows_paths() -> None:
    image = assert_same_build(ESCAPE, FILES)
    config = snapshot(image).config["Config"]
    assert config["WorkingDir"] == "/C:\\work/$WINPATH"
    assert config["Cmd"] == ["/bin/sh", "-c", "dir C:\\"]


# ---------------------------------------------------------------- config blobs byte for byte

METADATA_ONLY = r"""
FROM busybox
MAINTAINER Jo <jo@example.com>
ARG A=1 B
ARG A=2
ENV E="é <&>" F=${A}
LABEL "a b"="c d" e= quote="say \"hi\"" amp="x&y"
EXPOSE 80 443/UDP 80 8000-8001/udp
HEALTHCHECK --interval=5s --start-period=1s --retries=3 CMD ["/bin/check", "<x>"]
USER 1:2
VOLUME /data /logs
STOPSIGNAL SIGTERM
SHELL ["/bin/sh", "-ec"]
ENTRYPOINT echo "$E"
CMD ["--flag"]
ONBUILD RUN echo triggered
WORKDIR /
"""

WITH_LAYERS = r"""
FROM busybox AS base
ARG X=1
ARG CHOWN=3:4
ONBUILD ARG T=t
FROM base
ARG X
ARG X=2
ARG Y
COPY --chown=$CHOWN --chmod=640 a.txt /dst/
COPY a.txt /plain
RUN echo "$X" > /x
WORKDIR /work
ENV X=env
RUN true
"""

# Up to BuildKit v0.29 stages built on one stage share its label and port maps.
SHARED_MAPS = r"""
FROM busybox AS base
LABEL base=1
EXPOSE 80
FROM base AS sib
LABEL sib=1 base=overridden
EXPOSE 81
VOLUME /v
FROM base AS other
VOLUME /w
FROM base
COPY --from=sib /bin/true /t
COPY --from=other /bin/true /u
LABEL final=1
"""


def _same_config_blob(builtin: str, ours: str) -> None:
    """The config blobs are byte-identical (the layer list aside when the layers differ),
    and so are the image ids when the layers are the same."""
    a, b = raw_config_bytes(builtin), raw_config_bytes(ours)
    layers_a, layers_b = (json.loads(blob)["rootfs"] for blob in (a, b))
    if layers_a == layers_b:
        assert a == b
        # The containerd store's image id is that of an index with a provenance
        # attestation, which names the frontend.
        if ENGINE != "current-containerd":
            assert builtin == ours
        return
    rootfs = re.compile(rb'"rootfs":\{[^}]*\}')
    assert rootfs.sub(b"", a) == rootfs.sub(b"", b)


@pytest.mark.engines("legacy", "current", "current-containerd")
@pytest.mark.parametrize("args", [{}, {"B": "given"}], ids=["defaults", "args"])
def test_metadata_config_blob_is_the_builtins(args: dict[str, str]) -> None:
    # No new layers: the exporter dates the new history from the base image's.
    images = [
        build(METADATA_ONLY, FILES, frontend=frontend, build_args=args)
        for frontend in ("builtin", "ours")
    ]
    _same_config_blob(*images)


@pytest.mark.parametrize(
    ("dockerfile", "args"),
    [(WITH_LAYERS, {"Y": "y"}), (SHARED_MAPS, {})],
    ids=["layers", "shared-maps"],
)
def test_config_blob_is_the_builtins(dockerfile: str, args: dict[str, str]) -> None:
    if ENGINE != "legacy":
        # Layers not shared with the built-in's build would be dated differently.
        # (Not on the containerd image store yet: its exporter keeps the base image's
        # history dates only when the frontend returns the base image config.)
        args = {**args, "SOURCE_DATE_EPOCH": "1700000000"}
    images = [
        build(dockerfile, FILES, frontend=frontend, build_args=args)
        for frontend in ("builtin", "ours")
    ]
    _same_config_blob(*images)
