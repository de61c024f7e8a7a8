"""Build Dockerfiles on the real engine with either frontend and compare the images.

The engine's built-in Dockerfile frontend is the oracle: the same Dockerfile is
built once without a ``# syntax=`` line (built-in) and once headed by
``# syntax=myorg/pyfrontend`` (ours), and the two images must agree in their
file trees and in their configs. On the ``buildkitd`` engine the builds go
through buildctl instead (``buildctl.py``), and the images are read the same way.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import http.server
import io
import json
import os
import re
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple

from . import buildctl

REPO = Path(__file__).resolve().parents[2]
DOCKER = os.environ.get("DOCKER", "/usr/bin/docker")
FRONTEND_IMAGE = os.environ.get("FRONTEND_IMAGE", "myorg/pyfrontend")
TESTDATA_IMAGE = "pyfrontend/testdata:latest"
DEFAULT_HOST = "unix:///var/run/docker.sock"
ENGINE = os.environ.get("PYFRONTEND_ENGINE", "legacy")
"""The test engine (hack/e2e.sh): ``legacy`` (Engine 20.10), ``current`` or
``current-containerd`` (Debian unstable's Docker with buildx), or ``buildkitd``
(a standalone buildkitd driven with buildctl; images are read on ``DOCKER_HOST``)."""
ENGINES = ("legacy", "current", "current-containerd", "buildkitd")

Frontend = Literal["builtin", "ours"]
# path -> (type, mode, uid, gid, sha256 of the content | link target | device)
Tree = dict[str, tuple[str, int, int, int, str]]

BUILD_TIMEOUT = 600
# Context files get this mtime, so that both builds see identical contexts.
CONTEXT_MTIME = 1_577_836_800  # 2020-01-01T00:00:00Z
_SYNTAX_LINE = re.compile(r"\A#\s*syntax\s*=.*\n", re.IGNORECASE)


def build_command() -> list[str]:
    """How a user builds on the test engine: ``docker build`` on Engine 20.10,
    ``docker buildx build`` on a current engine (tests that build this way are
    ``docker_only``)."""
    if ENGINE == "buildkitd":
        raise buildctl.NoBuildctlForm("a docker build command line on the buildkitd engine")
    if ENGINE == "legacy":
        return [DOCKER, "build"]
    return [DOCKER, "buildx", "build"]


def docker_env() -> dict[str, str]:
    return {**os.environ, "DOCKER_BUILDKIT": "1"}


def docker(*args: str, timeout: float = 120) -> str:
    """Run the docker client; return stdout, raise with stderr on failure."""
    proc = run_docker([DOCKER, *args], timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc.stdout


def run_docker(
    cmd: Sequence[str], *, cwd: Path | None = None, timeout: float = BUILD_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """Run a docker client command line (a build, by default within the build
    timeout); the outcome is the caller's to judge."""
    return subprocess.run(
        list(cmd),
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="backslashreplace",  # the client quotes Dockerfile lines as they are
        env=docker_env(),
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
    )


def run_in_checkout(cmd: Sequence[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a command of the checkout (a hack/ script, make) from its root, with
    PYTHON set to this interpreter; the outcome is the caller's to judge."""
    return subprocess.run(
        list(cmd),
        cwd=REPO,
        env={**os.environ, "PYTHON": sys.executable},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# --------------------------------------------------------------------------- builds


@dataclass(frozen=True)
class Build:
    """One `docker build`: its exit code, image id (when it succeeded), and log."""

    returncode: int
    image: str | None
    log: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


_built: set[str] = set()


def tar_archive(files: Mapping[str, str], *, gzip: bool = False, mode: int = 0o644) -> bytes:
    """A tar (or tar.gz) of text files with fixed metadata, for ADD and context tests."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz" if gzip else "w") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, 1_600_000_000
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def tag_image(image: str, tag: str) -> None:
    """Tag ``image`` on the Docker engine, where builds can use it as a base (on the
    buildkitd engine, the tag is pushed into the registry that engine reads)."""
    docker("tag", image, tag)
    if ENGINE == "buildkitd":
        subprocess.run(
            [str(REPO / "hack" / "engine-buildkitd.sh"), "push", tag],
            env=docker_env(), stdin=subprocess.DEVNULL, capture_output=True, check=True,
            timeout=BUILD_TIMEOUT,
        )  # fmt: skip


def remove_at_session_end(image: str) -> None:
    """Have ``remove_built_images`` remove ``image`` too (for builds made elsewhere)."""
    _built.add(image)


def remove_built_images() -> None:
    """Remove the untagged images this session built (their build cache stays)."""
    images = sorted(_built)
    _built.clear()
    if images:
        subprocess.run(
            [DOCKER, "image", "rm", *images],
            capture_output=True,
            env=docker_env(),
            stdin=subprocess.DEVNULL,
            check=False,
        )


def _under_test() -> Frontend:
    """The frontend that `frontend="ours"` builds with.

    PYFRONTEND_E2E_SELFCHECK=1 swaps in the built-in frontend, to check the
    harness itself (every differential test must then pass). Never in CI.
    """
    if os.environ.get("PYFRONTEND_E2E_SELFCHECK") == "1":
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            raise RuntimeError("PYFRONTEND_E2E_SELFCHECK must not be set in CI")
        return "builtin"
    return "ours"


def _runs_ours(frontend: Frontend) -> bool:
    return frontend == "ours" and _under_test() == "ours"


def dockerfile_for(text: str, frontend: Frontend) -> str:
    """The Dockerfile as each frontend gets it: any syntax line is replaced."""
    body = _SYNTAX_LINE.sub("", text, count=1)
    if _runs_ours(frontend):
        return f"# syntax={FRONTEND_IMAGE}\n{body}"
    return body


def _buildctl(root: Path, frontend: Frontend, output: str, **kwargs: Any) -> list[str]:
    """The buildctl command line of a build on the buildkitd engine."""
    return buildctl.build_command(
        root, ours=_runs_ours(frontend), frontend_image=FRONTEND_IMAGE, output=output, **kwargs
    )


@functools.cache
def engine_log() -> Path | None:
    """The file a local dockerd writes its stderr to, if there is one.

    A gateway frontend's stderr goes to the daemon's log and nowhere else.
    PYFRONTEND_ENGINE_LOG names it; else it is found through the daemon's pid
    (as hack/engine.sh starts it: stderr to .work/engine/dockerd.log).
    """
    if path := os.environ.get("PYFRONTEND_ENGINE_LOG"):
        return Path(path)
    if os.environ.get("DOCKER_HOST", DEFAULT_HOST) != DEFAULT_HOST:
        return None
    try:
        pid = Path("/var/run/docker.pid").read_text().strip()
        target = Path(os.readlink(f"/proc/{pid}/fd/2"))
    except OSError:
        return None
    return target if target.is_file() else None


def _engine_log_size() -> int:
    path = engine_log()
    try:
        return path.stat().st_size if path is not None else -1
    except OSError:
        return -1


def _engine_log_since(offset: int, lines: int = 40) -> str:
    """The engine log's lines since `offset`, less dockerd's own records."""
    path = engine_log()
    if path is None or offset < 0:
        return ""
    with path.open("rb") as f:
        f.seek(offset)
        text = f.read().decode(errors="replace")
    kept = [line for line in text.splitlines() if not line.startswith("time=")]
    if not kept:
        return ""
    return f"\n--- frontend stderr (from {path}):\n" + "\n".join(kept[-lines:])


def _write_context(root: Path, dockerfile: str, files: Mapping[str, bytes | str]) -> None:
    entries = {"Dockerfile": dockerfile, **files}
    for name, content in entries.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        # (surrogate escapes in a str stand for bytes that are not UTF-8)
        data = content.encode("utf-8", "surrogateescape") if isinstance(content, str) else content
        path.write_bytes(data)
        path.chmod(0o644)
    for path in [*root.rglob("*"), root]:
        os.utime(path, (CONTEXT_MTIME, CONTEXT_MTIME), follow_symlinks=False)


def run_build(
    dockerfile: str,
    context_files: Mapping[str, bytes | str] | None = None,
    *,
    frontend: Frontend,
    target: str | None = None,
    build_args: Mapping[str, str] | None = None,
    no_cache: bool = False,
    flags: Sequence[str] = (),
) -> Build:
    """Build in a fresh temporary context; never raises for a failing build.

    ``flags`` are more ``docker build`` options (``--secret ...``, ``--ssh ...``).
    """
    with tempfile.TemporaryDirectory(prefix="pyfrontend-e2e-") as tmp:
        root = Path(tmp, "context")
        root.mkdir()
        _write_context(root, dockerfile_for(dockerfile, frontend), context_files or {})
        iidfile, archive = Path(tmp, "iid"), Path(tmp, "image.tar")
        if ENGINE == "buildkitd":
            cmd = _buildctl(
                root, frontend, f"type=docker,dest={archive}", target=target,
                build_args=build_args, no_cache=no_cache, flags=flags,
            )  # fmt: skip
        else:
            cmd = [*build_command(), "--progress=plain", "--iidfile", str(iidfile)]
            if target is not None:
                cmd += ["--target", target]
            for key, value in (build_args or {}).items():
                cmd += ["--build-arg", f"{key}={value}"]
            if no_cache:
                cmd.append("--no-cache")
            cmd += [*flags, str(root)]
        log_offset = _engine_log_size()
        proc = run_docker(cmd)
        if proc.returncode == 0:
            if ENGINE == "buildkitd":
                image = buildctl.load(archive, DOCKER, docker_env())
            else:
                image = iidfile.read_text().strip()
            _built.add(image)
            return Build(0, image, proc.stdout + proc.stderr)
        extra = _engine_log_since(log_offset) if frontend == "ours" else ""
        return Build(proc.returncode, None, proc.stdout + proc.stderr + extra)


def build(
    dockerfile: str,
    context_files: Mapping[str, bytes | str] | None = None,
    *,
    frontend: Frontend,
    target: str | None = None,
    build_args: Mapping[str, str] | None = None,
    no_cache: bool = False,
    flags: Sequence[str] = (),
) -> str:
    """Build and return the image id; fail the test with the build log otherwise."""
    result = run_build(
        dockerfile,
        context_files,
        frontend=frontend,
        target=target,
        build_args=build_args,
        no_cache=no_cache,
        flags=flags,
    )
    if not result.ok or result.image is None:
        raise AssertionError(
            f"build with the {frontend} frontend failed ({result.returncode}):\n{_tail(result.log)}"
        )
    return result.image


def build_oci(
    dockerfile: str,
    context_files: Mapping[str, bytes | str] | None = None,
    *,
    frontend: Frontend,
    flags: Sequence[str] = (),
    output: str = "",
    progress: str = "plain",
) -> tuple[bytes, str]:
    """Build to an OCI layout tar (``--output type=oci``, with ``output`` appended as
    more exporter attributes); return the tar and the build's log. Needs an engine with
    the OCI exporter (the containerd image store)."""
    with tempfile.TemporaryDirectory(prefix="pyfrontend-e2e-") as tmp:
        root = Path(tmp, "context")
        root.mkdir()
        _write_context(root, dockerfile_for(dockerfile, frontend), context_files or {})
        out = Path(tmp, "out.tar")
        oci = f"type=oci,dest={out}{output}"
        if ENGINE == "buildkitd":
            cmd = _buildctl(root, frontend, oci, progress=progress, flags=flags)
        else:
            cmd = [*build_command(), f"--progress={progress}", "--provenance=false", *flags]
            cmd += ["--output", oci, str(root)]
        proc = run_docker(cmd)
        if proc.returncode != 0:
            raise AssertionError(f"{frontend} build failed:\n{proc.stdout}{proc.stderr}"[-6000:])
        return out.read_bytes(), proc.stdout + proc.stderr


def build_fails(
    dockerfile: str,
    context_files: Mapping[str, bytes | str] | None = None,
    *,
    frontend: Frontend,
    target: str | None = None,
    build_args: Mapping[str, str] | None = None,
) -> str:
    """Build, expect failure, and return the build's output (stderr)."""
    result = run_build(
        dockerfile, context_files, frontend=frontend, target=target, build_args=build_args
    )
    if result.ok:
        raise AssertionError(
            f"build with the {frontend} frontend succeeded but should fail:\n{_tail(result.log)}"
        )
    return result.log


def _tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


def vertex_progress() -> str:
    """A progress mode whose log names each vertex's digest (see ``vertex_digests``):
    Engine 20.10's plain progress prints them, buildx's plain progress does not."""
    return "plain" if ENGINE == "legacy" else "rawjson"


def vertex_digests(log: str, name: str) -> set[str]:
    """The digests of the vertices called ``name`` in a ``vertex_progress()`` log."""
    if ENGINE != "legacy":
        found = set()
        for line in log.splitlines():
            if not line.startswith("{"):
                continue  # the client's own messages
            for vertex in json.loads(line).get("vertexes") or ():
                if vertex.get("name") == name:
                    found.add(vertex["digest"])
        return found
    steps = {step for step, text in re.findall(r"^(#\d+) (.+)$", log, re.M) if text == name}
    digests = re.findall(r"^(#\d+) (sha256:[0-9a-f]{64})$", log, re.M)
    return {digest for step, digest in digests if step in steps}


def run_remote_build(
    source: str | bytes,
    *,
    options: Mapping[str, str] | None = None,
    build_args: Mapping[str, str] | None = None,
    progress: str = "plain",
) -> Build:
    """``docker build`` from a URL (str) or a tar on stdin (bytes); never raises
    (tests that use it are ``docker_only``)."""
    with tempfile.TemporaryDirectory(prefix="pyfrontend-e2e-") as tmp:
        iidfile = Path(tmp, "iid")
        cmd = [*build_command(), f"--progress={progress}", "--iidfile", str(iidfile)]
        for flag, value in (options or {}).items():
            cmd += [flag, value]
        for key, value in (build_args or {}).items():
            cmd += ["--build-arg", f"{key}={value}"]
        stdin = source if isinstance(source, bytes) else None
        proc = subprocess.run(
            [*cmd, "-" if stdin is not None else str(source)],
            input=stdin,
            capture_output=True,
            env=docker_env(),
            timeout=BUILD_TIMEOUT,
            check=False,
        )
        log = (proc.stdout + proc.stderr).decode(errors="replace")
        if proc.returncode != 0:
            return Build(proc.returncode, None, log)
        image = iidfile.read_text().strip()
    remove_at_session_end(image)
    return Build(0, image, log)


def build_remote(
    source: str | bytes,
    images: list[str],
    *,
    options: Mapping[str, str] | None = None,
    build_args: Mapping[str, str] | None = None,
) -> str:
    """Like ``run_remote_build``, but the image id (also appended to ``images``);
    fails the test with the build log when the build fails."""
    result = run_remote_build(source, options=options, build_args=build_args)
    if not result.ok or result.image is None:
        raise AssertionError(f"build failed ({result.returncode}):\n{result.log[-4000:]}")
    images.append(result.image)
    return result.image


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now, for a server a test starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class StaticServer:
    """Serves the files under ``root`` on 127.0.0.1 (the engine fetches from the host)."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.root = root
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def url(self, name: str, data: bytes) -> str:
        """Serve ``data`` as ``name``; its URL."""
        (self.root / name).write_bytes(data)
        return f"{self.base_url}/{name}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass


# --------------------------------------------------------------------------- snapshots


class Snapshot(NamedTuple):
    tree: Tree
    config: dict[str, Any]


_TAR_TYPES = {
    tarfile.REGTYPE: "file",
    tarfile.AREGTYPE: "file",
    tarfile.DIRTYPE: "dir",
    tarfile.SYMTYPE: "symlink",
    tarfile.LNKTYPE: "hardlink",
    tarfile.CHRTYPE: "char",
    tarfile.BLKTYPE: "block",
    tarfile.FIFOTYPE: "fifo",
}

# `docker image inspect` fields that differ between two builds of the same image.
# With the containerd image store, the image is an index whose provenance attestation
# names the frontend that built it: its descriptor differs whatever the image holds.
_VOLATILE = (
    "Id",
    "RepoTags",
    "RepoDigests",
    "Created",
    "Metadata",
    "GraphDriver",
    "Descriptor",
)


def _read_tree(stream: IO[bytes]) -> Tree:
    tree: Tree = {}
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for info in tar:
            kind = _TAR_TYPES.get(info.type, f"type-{info.type!r}")
            if info.isreg():
                digest = hashlib.sha256()
                member = tar.extractfile(info)
                assert member is not None
                while chunk := member.read(1 << 20):
                    digest.update(chunk)
                what = digest.hexdigest()
            elif info.issym():
                what = info.linkname
            elif info.islnk():
                what = "/" + info.linkname.strip("/")
            elif info.ischr() or info.isblk():
                what = f"{info.devmajor}:{info.devminor}"
            else:
                what = ""
            path = "/" + info.name.strip("/")
            tree[path] = (kind, info.mode & 0o7777, info.uid, info.gid, what)
    return tree


def _history(image: str) -> list[dict[str, str]]:
    out = docker("history", "--no-trunc", "--format", "{{json .}}", image)
    keep = ("CreatedBy", "Comment", "Size")
    return [{k: json.loads(line).get(k, "") for k in keep} for line in out.splitlines()]


@functools.lru_cache(maxsize=128)
def snapshot(image: str) -> Snapshot:
    """File tree (docker create + export) and config (inspect + history) of an image.

    The tree includes what `docker create` adds to every container (/.dockerenv,
    /etc/hosts, /dev, ...), identically for any two images. The config leaves
    out ids, tags, timestamps and layer digests (only their count is kept).
    """
    container = docker("create", image, "snapshot").strip()
    try:
        with subprocess.Popen(
            [DOCKER, "export", container],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=docker_env(),
        ) as proc:
            assert proc.stdout is not None
            tree = _read_tree(proc.stdout)
            # The archive may end in more padding than the reader consumed: drain it,
            # or the client dies of SIGPIPE writing it.
            while proc.stdout.read(1 << 16):
                pass
        if proc.returncode != 0:
            raise RuntimeError(f"docker export {container} failed ({proc.returncode})")
    finally:
        docker("rm", "-f", container)

    (config,) = json.loads(docker("image", "inspect", image))
    for key in _VOLATILE:
        config.pop(key, None)
    rootfs = config.get("RootFS") or {}
    rootfs["Layers"] = len(rootfs.get("Layers") or [])
    config["History"] = _history(image)
    return Snapshot(tree, config)


def raw_config(image: str) -> dict[str, Any]:
    """The image's config blob as stored (``docker save``): fields the engine's API
    does not know (``inspect`` drops them) are kept."""
    config: dict[str, Any] = json.loads(raw_config_bytes(image))
    return config


def raw_config_bytes(image: str) -> bytes:
    """The bytes of the image's config blob, as ``docker save`` writes it (the file
    ``manifest.json`` names, in the legacy or the OCI layout)."""
    with tempfile.TemporaryFile() as saved:
        subprocess.run(
            [DOCKER, "save", image], stdout=saved, stdin=subprocess.DEVNULL, env=docker_env(),
            check=True, timeout=BUILD_TIMEOUT,
        )  # fmt: skip
        saved.seek(0)
        with tarfile.open(fileobj=saved, mode="r:") as tar:
            manifest = tar.extractfile("manifest.json")
            assert manifest is not None, f"docker save {image}: no manifest.json"
            member = tar.extractfile(json.load(manifest)[0]["Config"])
            assert member is not None, f"docker save {image}: no config blob"
            return member.read()


# --------------------------------------------------------------------------- comparison


def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        if not value:
            yield prefix, "{}"
        for key in sorted(value):
            yield from _flatten(value[key], f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        if not value:
            yield prefix, "[]"
        for i, item in enumerate(value):
            yield from _flatten(item, f"{prefix}[{i}]")
    else:
        yield prefix, json.dumps(value)


def _fmt_entry(entry: tuple[str, int, int, int, str]) -> str:
    kind, mode, uid, gid, what = entry
    return f"{kind} {mode:04o} {uid}:{gid} {what[:16] if kind == 'file' else what}"


def diff_snapshots(a: Snapshot, b: Snapshot, names: tuple[str, str] = ("a", "b")) -> list[str]:
    """Readable differences, one line each; empty when the images agree."""
    lines: list[str] = []
    for path in sorted(a.tree.keys() | b.tree.keys()):
        ea, eb = a.tree.get(path), b.tree.get(path)
        if ea == eb:
            continue
        if ea is not None and eb is not None:
            lines.append(f"file {path}: {_fmt_entry(ea)} != {_fmt_entry(eb)}")
        elif ea is not None:
            lines.append(f"file {path}: only in {names[0]} ({_fmt_entry(ea)})")
        elif eb is not None:
            lines.append(f"file {path}: only in {names[1]} ({_fmt_entry(eb)})")
    ca = [f"{k} = {v}" for k, v in _flatten(a.config)]
    cb = [f"{k} = {v}" for k, v in _flatten(b.config)]
    for line in difflib.unified_diff(ca, cb, names[0], names[1], n=0, lineterm=""):
        if not line.startswith(("---", "+++", "@@")):
            lines.append(f"config {line}")
    return lines


def assert_same_image(a: str, b: str, names: tuple[str, str] = ("builtin", "ours")) -> None:
    """Fail with a readable diff unless images `a` and `b` agree."""
    if a == b:
        return
    lines = diff_snapshots(snapshot(a), snapshot(b), names)
    if lines:
        shown = "\n  ".join(lines[:80])
        more = f"\n  ... and {len(lines) - 80} more" if len(lines) > 80 else ""
        raise AssertionError(
            f"images differ ({names[0]} {a[:19]} vs {names[1]} {b[:19]}):\n  {shown}{more}"
        )


def assert_same_build(
    dockerfile: str,
    context_files: Mapping[str, bytes | str] | None = None,
    *,
    target: str | None = None,
    build_args: Mapping[str, str] | None = None,
    flags: Sequence[str] = (),
) -> str:
    """Build with both frontends, assert the images agree, return ours."""
    images = [
        build(
            dockerfile,
            context_files,
            frontend=frontend,
            target=target,
            build_args=build_args,
            flags=flags,
        )
        for frontend in ("builtin", "ours")
    ]
    assert_same_image(*images)
    return images[1]


def run_image(image: str, *args: str) -> str:
    """`docker run --rm` the image; return its stdout."""
    return docker("run", "--rm", "--network", "none", image, *args)
