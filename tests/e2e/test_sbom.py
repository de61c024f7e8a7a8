"""SBOM attestations (``--sbom=generator=...``): both frontends run the same stub
scanner on the same things, so the statements it writes must be equal.

The stub (busybox and a shell script) lists what it finds under each source
directory and the scan variables it gets. Only the containerd image store
exports attestations (as an OCI layout here).
"""

from __future__ import annotations

import io
import json
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import harness

pytestmark = [pytest.mark.e2e, pytest.mark.engines("current-containerd")]

SCANNER = "pyfrontend/sbom-scanner-stub:e2e"

SCAN_SH = r"""set -e
statement() {
    files=$(cd "$2" && find . | sort | tr '\n' ' ')
    vars=$(env | grep -e '^BUILDKIT_SCAN' -e '^SCANNER' | sort | tr '\n' ' ')
    cat > "$BUILDKIT_SCAN_DESTINATION/$1.spdx.json" <<EOF
{"_type": "https://in-toto.io/Statement/v0.1", "predicateType": "https://spdx.dev/Document",
 "subject": [], "predicate": {"name": "$1", "files": "$files", "env": "$vars",
 "cwd": "$(pwd)", "args": "$0 $*"}}
EOF
}
statement "$(basename "$BUILDKIT_SCAN_SOURCE")" "$BUILDKIT_SCAN_SOURCE"
if [ -n "$BUILDKIT_SCAN_SOURCE_EXTRAS" ]; then
    for src in "$BUILDKIT_SCAN_SOURCE_EXTRAS"/*; do
        statement "$(basename "$src")" "$src"
    done
fi
"""

SCANNER_DOCKERFILE = """\
FROM busybox
COPY scan.sh /scan.sh
ENV SCANNER=stub
WORKDIR /scandir
ENTRYPOINT ["sh"]
CMD ["/scan.sh", "--flag"]
"""

STAGES = """\
ARG BUILDKIT_SBOM_SCAN_CONTEXT
FROM busybox AS build
ARG BUILDKIT_SBOM_SCAN_STAGE
RUN echo built > /built.txt
FROM scratch AS unused
ARG BUILDKIT_SBOM_SCAN_STAGE
COPY other.txt /
FROM scratch
COPY --from=build /built.txt /
COPY hello.txt /
"""

FILES = {"hello.txt": "hello\n", "other.txt": "not copied\n"}
SCAN_ARGS = ["--build-arg", "BUILDKIT_SBOM_SCAN_CONTEXT=true"]
SCAN_ARGS += ["--build-arg", "BUILDKIT_SBOM_SCAN_STAGE=true"]

Statement = tuple[str, dict[str, Any]]
"""A statement's predicate type and predicate (its subject names the image)."""


@pytest.fixture(scope="module")
def scanner() -> str:
    """The stub scanner image, built with the engine's own frontend."""
    with tempfile.TemporaryDirectory(prefix="pyfrontend-e2e-scanner-") as tmp:
        Path(tmp, "Dockerfile").write_text(SCANNER_DOCKERFILE)
        Path(tmp, "scan.sh").write_text(SCAN_SH)
        cmd = [*harness.build_command(), "--progress=plain", "-t", SCANNER, tmp]
        proc = harness.run_docker(cmd)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return SCANNER


def statements(data: bytes) -> list[Statement]:
    """The in-toto statements of the attestation manifest in an OCI layout tar."""
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        blobs = {
            m.name: f.read()
            for m in tar.getmembers()
            if m.isfile() and (f := tar.extractfile(m)) is not None
        }

    def blob(digest: str) -> Any:
        return json.loads(blobs["blobs/" + digest.replace(":", "/")])

    (top,) = json.loads(blobs["index.json"])["manifests"]
    found = []
    for desc in blob(top["digest"])["manifests"]:
        if desc.get("annotations", {}).get("vnd.docker.reference.type") != "attestation-manifest":
            continue
        for layer in blob(desc["digest"])["layers"]:
            statement = blob(layer["digest"])
            assert layer["annotations"]["in-toto.io/predicate-type"] == statement["predicateType"]
            found.append((statement["predicateType"], statement["predicate"]))
    return found


def scans(dockerfile: str, scanner: str, flags: list[str]) -> list[list[Statement]]:
    """The statements of the built-in's build and of ours."""
    flags = [f"--sbom=generator={scanner}", *flags]
    return [
        statements(harness.build_oci(dockerfile, FILES, frontend=f, flags=flags)[0])
        for f in ("builtin", "ours")
    ]


def names(found: list[Statement]) -> list[str]:
    return [predicate["name"] for _, predicate in found]


def test_declared_scan_args_scan_the_context_and_stages(scanner: str) -> None:
    builtin, ours = scans(STAGES, scanner, SCAN_ARGS)
    assert names(builtin) == ["sbom", "sbom-build", "sbom-context"]
    assert ours == builtin
    context = builtin[2][1]
    assert context["files"].split() == [".", "./hello.txt"]  # only what COPY reads
    core = builtin[0][1]
    assert "./built.txt" in core["files"] and core["cwd"] == "/scandir"
    assert "BUILDKIT_SCAN_SOURCE_EXTRAS=/run/src/extras" in core["env"]


def test_scan_args_given_but_not_declared_add_no_extras(scanner: str) -> None:
    text = "\n".join(line for line in STAGES.splitlines() if "ARG" not in line) + "\n"
    builtin, ours = scans(text, scanner, SCAN_ARGS)
    assert names(builtin) == ["sbom"]
    assert ours == builtin
    assert "BUILDKIT_SCAN_SOURCE_EXTRAS" not in builtin[0][1]["env"]


def test_a_stage_s_own_arg_scans_it(scanner: str) -> None:
    text = STAGES.replace("ARG BUILDKIT_SBOM_SCAN_STAGE\n", "ARG BUILDKIT_SBOM_SCAN_STAGE=true\n")
    builtin, ours = scans(text, scanner, [])
    assert names(builtin) == ["sbom", "sbom-build"]
    assert ours == builtin


def test_each_platform_gets_its_scan(scanner: str) -> None:
    text = "ARG BUILDKIT_SBOM_SCAN_CONTEXT=true\nFROM scratch\nCOPY hello.txt /\n"
    builtin, ours = scans(text, scanner, ["--platform", "linux/amd64,linux/arm64"])
    assert names(builtin) == ["sbom", "sbom-context"] * 2
    assert ours == builtin


def test_the_scan_is_the_builtin_s_op(scanner: str) -> None:
    """The same scan op, digest for digest, on the same inputs (nothing read from the
    context, whose source names the client's session; one scanner parameter, as
    Docker's frontend orders several at random)."""
    text = "ARG BUILDKIT_SBOM_SCAN_STAGE=true\nFROM busybox AS build\nRUN echo 1 > /1\n"
    text += "FROM build\nRUN echo 2 > /2\n"
    name = f"[linux/amd64] generating sbom using docker.io/{scanner}"
    digests = []
    for frontend in ("builtin", "ours"):
        flags = [f"--sbom=generator={scanner}"]
        _, log = harness.build_oci(text, FILES, frontend=frontend, flags=flags, progress="rawjson")
        digests.append(harness.vertex_digests(log, name))
    assert len(digests[0]) == 1
    assert digests[1] == digests[0]
