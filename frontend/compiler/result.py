"""What a frontend run returns: per-platform builds, a subrequest's answer, or an error."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field

from frontend.compiler.convert import CompileResult
from frontend.compiler.request import OptionError
from frontend.errors import DockerfileError, DockerfileWarning
from frontend.frozen import frozen
from frontend.llb.marshal import Definition
from frontend.platform import Platform
from frontend.semantics.check_report import LintReport


@frozen
class PlatformResult:
    """The build for one target platform: its LLB and its image config."""

    platform: Platform
    compiled: CompileResult
    sbom: Definition | None = None
    """The SBOM scan of the result, when the request asks for one."""

    @property
    def definition(self) -> Definition:
        return self.compiled.definition

    @property
    def config_json(self) -> bytes:
        return self.compiled.config_json


@frozen
class BuildResult:
    """One frontend run's answer: per-platform results, or a subrequest's metadata,
    or an error; with the warnings to show either way."""

    platforms: tuple[PlatformResult, ...] = ()
    warnings: tuple[DockerfileWarning, ...] = ()
    error: DockerfileError | OptionError | None = None
    """What went wrong: in the Dockerfile, or in an option (an SBOM scanner that cannot run)."""
    metadata: Mapping[str, bytes] = field(default_factory=dict)
    """A subrequest's result (``result.json``, ``result.txt``, ``version``...)."""
    report: LintReport | None = None
    """The lint subrequest's report, as ``metadata`` renders it."""
    unsupported: str = ""
    """A subrequest this frontend does not serve."""
