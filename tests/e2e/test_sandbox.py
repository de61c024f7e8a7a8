"""The RUN sandbox: secrets as variables, ``--ulimit``, ``--shm-size``, ``--cgroup-parent``
and the sandbox hostname, compared with Docker's frontend where the engine has them."""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import ENGINE, assert_same_build, build, build_fails, run_image
from .test_copy_flags import assert_same_files

pytestmark = pytest.mark.e2e


def same_files(dockerfile: str, flags: list[str]) -> str:
    """Build with both frontends; the file trees must agree (the configs are compared
    elsewhere: mount stubs and history are not what these tests are about). Ours."""
    images = [build(dockerfile, frontend=f, flags=flags) for f in ("builtin", "ours")]
    assert_same_files(*images)
    return images[1]


@pytest.mark.engines("current", "current-containerd")
def test_secret_as_env_and_file(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("s3cr3t")
    image = same_files(
        """\
FROM busybox
RUN --mount=type=secret,id=token,env=TOKEN echo "${#TOKEN}" > /env.txt \\
    && ls /run/secrets > /files.txt 2>&1 || true
RUN --mount=type=secret,id=token,env=TOKEN,target=/tok \\
    echo "$TOKEN $(cat /tok)" | wc -c > /both.txt
RUN --mount=type=secret,id=absent,env=ABSENT echo "[${ABSENT-unset}]" > /absent.txt
RUN echo "[${TOKEN-gone}]" > /after.txt
""",
        flags=["--secret", f"id=token,src={secret}"],
    )
    assert run_image(image, "cat", "/env.txt", "/both.txt", "/after.txt") == "6\n14\n[gone]\n"


@pytest.mark.engines("current", "current-containerd")
def test_required_secret_env_fails_without_the_secret() -> None:
    log = build_fails(
        "FROM busybox\nRUN --mount=type=secret,id=nope,env=X,required true\n", frontend="ours"
    )
    assert "nope" in log


@pytest.mark.engines("legacy")
def test_secret_env_needs_a_newer_engine() -> None:
    log = build_fails(
        "FROM busybox\nRUN --mount=type=secret,id=t,env=TOKEN true\n", frontend="ours"
    )
    assert "Dockerfile:3" in log  # line 2, after the syntax line
    assert "needs BuildKit v0.10 or newer" in log


@pytest.mark.engines("current", "current-containerd")
def test_ulimit_shm_size_and_cgroup_parent() -> None:
    image = same_files(
        """\
FROM busybox
RUN ulimit -n > /nofile.txt && ulimit -Hn >> /nofile.txt
RUN df -k /dev/shm | tail -n 1 | awk '{print $2}' > /shm.txt
RUN grep -c /pyfrontend-e2e-parent/ /proc/self/cgroup > /cgroups.txt
""",
        flags=[
            *("--ulimit", "nofile=1024:2048", "--shm-size", "8m"),
            *("--cgroup-parent", "pyfrontend-e2e-parent"),
        ],
    )
    assert run_image(image, "cat", "/nofile.txt", "/shm.txt") == "1024\n2048\n8192\n"
    assert int(run_image(image, "cat", "/cgroups.txt")) > 0


def test_sandbox_options_on_any_engine() -> None:
    """Engine 20.10 takes --ulimit and --shm-size from its client but has no cap for
    them: both frontends build the step without them."""
    assert_same_build(
        "FROM busybox\nRUN ulimit -n > /nofile.txt\n",
        flags=["--ulimit", "nofile=1024:2048", "--shm-size", "8m"],
    )


def test_sandbox_hostname_build_arg() -> None:
    """Engine 20.10's frontend predates the build arg; Docker's current one (and ours,
    on every engine) runs the steps under that hostname."""
    dockerfile = "FROM busybox\nRUN hostname > /hostname.txt\n"
    args = {"BUILDKIT_SANDBOX_HOSTNAME": "myhost"}
    if ENGINE == "legacy":
        image = build(dockerfile, frontend="ours", build_args=args)
    else:
        image = assert_same_build(dockerfile, build_args=args)
    assert run_image(image, "cat", "/hostname.txt") == "myhost\n"


def test_sbom_scan_args_in_the_run_environment() -> None:
    """Kept out on engines with attestations; Engine 20.10's frontend passes them on."""
    dockerfile = """\
FROM busybox
ARG BUILDKIT_SBOM_SCAN_STAGE=true
ARG BUILDKIT_SBOM_SCAN_CONTEXT
ARG OTHER=1
RUN env | grep -c '^BUILDKIT_SBOM' > /count.txt || true
"""
    args = {"BUILDKIT_SBOM_SCAN_CONTEXT": "true"}
    images = [build(dockerfile, frontend=f, build_args=args) for f in ("builtin", "ours")]
    assert_same_files(*images)  # the ARG history is not the issue here
    image = images[1]
    expected = "2\n" if ENGINE == "legacy" else "0\n"
    assert run_image(image, "cat", "/count.txt") == expected
