"""The build context as a frontend input or a URL, scoped with ``contextsubdir``.

Docker's CLI passes neither, so a small gateway frontend (``input_driver/``,
built on ours) makes the request as Go clients of BuildKit do, once for the
engine's built-in frontend and once for ours; the images must be equal.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.e2e import harness

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.docker_only("the input-driver frontend is started by docker build's syntax line"),
]

DRIVER_IMAGE = f"{harness.FRONTEND_IMAGE}-input-driver"

DOCKERFILE = """\
FROM busybox
COPY . /ctx/
RUN find /ctx | sort > /files
"""

MISSING_FRONTEND = "127.0.0.1:1/pyfrontend-e2e/no-such-frontend:1"
"""A frontend image in a registry that does not answer (the look-up fails at once)."""

FILES = {"sub/a.txt": "a\n", "sub/deep/b.txt": "b\n", "top.txt": "top\n"}


def _run(cmd: list[str]) -> None:
    """A build on the test engine (``cmd`` less the client's build command)."""
    harness.docker(*harness.build_command()[1:], *cmd, timeout=harness.BUILD_TIMEOUT)


@pytest.fixture(scope="module")
def driver() -> str:
    """The driver frontend image (on top of ours, for its gRPC plumbing)."""
    with tempfile.TemporaryDirectory(prefix="pyfrontend-e2e-") as tmp:
        root = Path(tmp)
        source = Path(__file__).parent / "input_driver" / "driver.py"
        (root / "driver.py").write_bytes(source.read_bytes())
        (root / "Dockerfile").write_text(
            f"FROM {harness.FRONTEND_IMAGE}\n"
            "COPY driver.py /opt/driver.py\n"
            'ENTRYPOINT ["/opt/pyfrontend/bin/python3", "/opt/driver.py"]\n'
        )
        _run(["-t", DRIVER_IMAGE, str(root)])
    return DRIVER_IMAGE


def _attempt(driver: str, target: str, args: Mapping[str, str]) -> tuple[str, str]:
    """Build through the driver: the image id ("" on failure) and the build's output."""
    with tempfile.TemporaryDirectory(prefix="pyfrontend-e2e-") as tmp:
        root = Path(tmp, "context")
        root.mkdir()
        harness._write_context(root, f"# syntax={driver}\n{DOCKERFILE}", FILES)
        iidfile = Path(tmp, "iid")
        cmd = [*harness.build_command(), "--progress=plain", "--iidfile", str(iidfile)]
        for key, value in {"DRIVER_TARGET": target, **args}.items():
            cmd += ["--build-arg", f"{key}={value}"]
        proc = harness.run_docker([*cmd, str(root)])
        if proc.returncode != 0:
            return "", proc.stdout + proc.stderr
        image = iidfile.read_text().strip()
    harness.remove_at_session_end(image)
    return image, proc.stdout + proc.stderr


def _build(driver: str, target: str, args: Mapping[str, str]) -> str:
    image, log = _attempt(driver, target, args)
    assert image, f"{target} build failed:\n{log[-4000:]}"
    return image


@pytest.mark.parametrize("subdir", ["", "sub", "./sub/"])
def test_context_input_with_subdir(driver: str, subdir: str) -> None:
    args = {"DRIVER_SUBDIR": subdir}
    builtin = _build(driver, "builtin", args)
    ours = _build(driver, harness.FRONTEND_IMAGE, args)
    harness.assert_same_image(builtin, ours)
    files = harness.run_image(ours, "cat", "/files").split()
    if subdir:
        assert "/ctx/a.txt" in files and "/ctx/deep/b.txt" in files
        assert "/ctx/top.txt" not in files
    else:
        assert "/ctx/top.txt" in files and "/ctx/sub/a.txt" in files


def test_context_input_from_a_run_mount(driver: str) -> None:
    """The input is the second output of an exec op (a Go client's RUN mount)."""
    args = {"DRIVER_CONTEXT_FROM_RUN": "1", "DRIVER_SUBDIR": "sub"}
    builtin = _build(driver, "builtin", args)
    ours = _build(driver, harness.FRONTEND_IMAGE, args)
    harness.assert_same_image(builtin, ours)
    assert harness.run_image(ours, "cat", "/files").split() == ["/ctx", "/ctx/made.txt"]


@pytest.mark.parametrize("local_dockerfile", [False, True], ids=["archive", "dockerfilekey"])
def test_remote_context_with_subdir(driver: str, tmp_path: Path, local_dockerfile: bool) -> None:
    """An archive downloaded by the engine; the Dockerfile is read from its root,
    or from the client with ``dockerfilekey`` (the archive's own is then ignored)."""
    server = harness.StaticServer(tmp_path)
    archived = "FROM scratch\n" if local_dockerfile else DOCKERFILE
    try:
        archive = harness.tar_archive({"Dockerfile": archived, **FILES}, gzip=True)
        args = {"DRIVER_CONTEXT": server.url("context.tar.gz", archive), "DRIVER_SUBDIR": "sub"}
        if local_dockerfile:
            args["DRIVER_DOCKERFILEKEY"] = "dockerfile"
        builtin = _build(driver, "builtin", args)
        ours = _build(driver, harness.FRONTEND_IMAGE, args)
    finally:
        server.close()
    harness.assert_same_image(builtin, ours)
    files = harness.run_image(ours, "cat", "/files").split()
    assert "/ctx/deep/b.txt" in files and "/ctx/top.txt" not in files


def test_a_syntax_directive_naming_another_frontend_is_not_followed(driver: str) -> None:
    """Started directly (no ``cmdline``), we read the directive: it names the driver,
    which exists, so we build the Dockerfile ourselves."""
    args = {"DRIVER_HANDOVER": "0"}
    ours = _build(driver, harness.FRONTEND_IMAGE, args)
    harness.assert_same_image(_build(driver, "builtin", {}), ours)


def test_a_frontend_image_that_does_not_exist_fails_the_build(driver: str) -> None:
    args = {"DRIVER_HANDOVER": "0", "DRIVER_SYNTAX": MISSING_FRONTEND}
    image, log = _attempt(driver, harness.FRONTEND_IMAGE, args)
    assert not image
    assert f"build-arg:BUILDKIT_SYNTAX names frontend {MISSING_FRONTEND}" in log
