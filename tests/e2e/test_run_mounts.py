"""``RUN --mount`` of every type, both frontends: the images must agree.

What a mount shows a step is recorded into the image by that step, so the
comparison covers the mounts' contents too; the mounts themselves must leave
nothing but what Docker's frontend leaves.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import assert_same_build, build_fails, run_image

pytestmark = pytest.mark.e2e

FILES = {"f.txt": "from the context\n", "dir/a.txt": "a\n", "dir/b.txt": "b\n"}


def test_bind_from_context_stage_and_image() -> None:
    image = assert_same_build(
        """\
FROM busybox AS tools
RUN mkdir -p /out && echo from-stage > /out/s.txt

FROM busybox
WORKDIR /work
RUN --mount=type=bind,source=f.txt,target=/mnt/f.txt cat /mnt/f.txt > /ctx.txt
RUN --mount=source=dir,target=rel ls rel > /dir.txt && cat rel/a.txt >> /dir.txt
RUN --mount=target=/all cat /all/dir/b.txt > /all.txt
RUN --mount=from=tools,source=/out,target=/tools cat /tools/s.txt > /stage.txt
RUN --mount=from=busybox,source=/bin,target=/img ls /img | grep -c . > /image.txt
RUN --mount=source=dir,target=/rw,rw touch /rw/new && ls /rw > /rw.txt
""",
        FILES,
    )
    assert run_image(image, "cat", "/ctx.txt", "/stage.txt") == "from the context\nfrom-stage\n"
    assert run_image(image, "cat", "/rw.txt") == "a.txt\nb.txt\nnew\n"


def test_cache_and_tmpfs() -> None:
    assert_same_build(
        """\
FROM busybox
ARG CACHE=pyfrontend-e2e-cache
RUN --mount=type=cache,target=/var/cache/app,id=$CACHE \\
    echo kept > /var/cache/app/kept && cat /var/cache/app/kept > /seen.txt
RUN --mount=type=cache,target=/c2,sharing=locked,uid=1000,gid=1000,mode=0750 \\
    stat -c '%u:%g %a' /c2 > /c2.txt
WORKDIR /w
RUN --mount=type=cache,target=relative,sharing=private ls -a relative > /rel.txt
RUN --mount=type=cache,from=busybox,source=/etc,target=/seeded cat /seeded/group > /group.txt
RUN --mount=type=tmpfs,target=/scratch touch /scratch/gone && ls /scratch > /tmpfs.txt
"""
    )


@pytest.mark.engines("current")
def test_tmpfs_size_as_builtin() -> None:
    assert_same_build(
        "FROM busybox\nRUN --mount=type=tmpfs,target=/t,size=1m df -k /t | tail -n 1 | "
        "awk '{print $2}' > /size.txt\n"
    )


@pytest.mark.engines("legacy")
def test_tmpfs_size_needs_a_newer_engine() -> None:
    """BuildKit 0.8 has no tmpfs size (its own frontend rejects the key): a clear error."""
    log = build_fails(
        "FROM busybox\nRUN --mount=type=tmpfs,target=/t,size=1m true\n", frontend="ours"
    )
    assert "a tmpfs size needs BuildKit v0.10 or newer" in log


def test_secrets(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("s3cr3t\n")
    image = assert_same_build(
        """\
FROM busybox
RUN --mount=type=secret,id=token wc -c /run/secrets/token > /len.txt
RUN --mount=type=secret,id=token,target=/etc/token,mode=0440,uid=1,gid=2 \\
    stat -c '%a %u %g' /etc/token > /stat.txt
RUN --mount=type=secret,id=absent ls /run/secrets > /absent.txt 2>&1 || true
RUN --mount=type=secret,id=token,required=true cat /run/secrets/token | wc -l > /req.txt
""",
        flags=["--secret", f"id=token,src={secret}"],
    )
    assert run_image(image, "cat", "/len.txt", "/stat.txt") == "7 /run/secrets/token\n440 1 2\n"


def test_ssh_without_an_agent_is_skipped() -> None:
    assert_same_build(
        """\
FROM busybox
RUN --mount=type=ssh echo "$SSH_AUTH_SOCK" > /sock.txt
RUN --mount=type=ssh,id=other,target=/agent --mount=type=ssh echo "$SSH_AUTH_SOCK" > /two.txt
RUN echo "${SSH_AUTH_SOCK:-unset}" > /after.txt
"""
    )
