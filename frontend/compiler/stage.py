"""What lowering one stage carries: the state built so far and the fixed context,
with the progress names of its steps."""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Mapping
from dataclasses import field

from frontend.compiler.image import Image
from frontend.compiler.imageformat import ImageFormat, image_format
from frontend.compiler.options import BuildOptions
from frontend.compiler.sharedmaps import SharedMaps
from frontend.errors import DockerfileError
from frontend.frozen import frozen
from frontend.llb import state as llb
from frontend.llb.graph import COMMAND_KEY, OpMeta
from frontend.persistent import Chain, Vars
from frontend.platform import Platform
from frontend.semantics.scope import ArgRules, Scope
from frontend.semantics.words import WordError, expand_word
from frontend.syntax import ast


@frozen
class StageState:
    """What a stage has built so far."""

    llb: llb.State
    image: Image
    scope: Scope = field(default_factory=lambda: Scope(Vars()))
    """The stage's ARGs and variables (``llb.env`` is its ``env``)."""
    cmd_set: bool = False
    step: int = 0
    context_paths: Chain[str] = field(default_factory=Chain)
    """Absolute paths the stage reads of the build context (repeats allowed)."""
    source_reads: Chain[tuple[int, str]] = field(default_factory=Chain)
    """``(command index, absolute path)`` each ``COPY --from`` of the stage reads."""
    maps: SharedMaps = SharedMaps()
    """The label, port and volume maps held, as older frontends share them."""
    env_settled: bool = False
    """The LLB state's variables end with the config's ``Env``, in its order and with
    its values: a stage built on this one need not set them again."""
    ports_listed: int = 0
    """How many ports the stage's EXPOSE instructions listed (in their history)."""


@frozen
class StageContext:
    """What stays fixed while one stage is lowered."""

    display_name: str
    total_steps: int
    platform: Platform
    options: BuildOptions
    escape: str
    context: llb.State
    arg_rules: ArgRules
    sources: Mapping[int, llb.State] = field(default_factory=dict)
    """What each ``COPY --from`` reads, by command index."""
    mount_sources: Mapping[tuple[int, int], llb.State] = field(default_factory=dict)
    """What each ``RUN --mount from=`` reads, by (command, mount) index."""
    ignore_cache: bool = False
    file_op: bool = True
    stage_index: int = 0
    extensions: frozenset[str] = frozenset()
    """What the Dockerfile's ``# extensions=`` directive turns on."""

    @functools.cached_property
    def image_format(self) -> ImageFormat:
        """How the engine's own frontend writes the config and history."""
        return image_format(self.options.request.llb_caps)

    def expand(self, word: str, st: StageState) -> str:
        return self.expand_in(st.scope, word)

    def expand_in(self, scope: Scope, word: str) -> str:
        try:
            return scope.expand(word, self.escape)
        except WordError as exc:
            raise DockerfileError(str(exc)) from None

    onbuild: bool = False
    """Lowering an ONBUILD trigger of the base image."""

    def progress_name(self, text: str, st: StageState) -> tuple[str, int]:
        """``[name k/N] TEXT`` of the next step, and that step's number (the stage's
        ``step`` once the instruction is lowered)."""
        if self.total_steps == 0:
            return text, st.step
        step = st.step + 1
        if self.onbuild and self.options.request.llb_caps.release >= (0, 17):
            text = f"ONBUILD {text}"
        return step_name(self.label(st), step, self.total_steps, text), step

    def label(self, st: StageState | None = None) -> str:
        """The stage's name in progress, after its platform in a multi-platform build."""
        if not self.options.request.multi_platform:
            return self.display_name
        env: Mapping[str, str] = st.llb.env if st is not None else {}
        shown = f"{self.platform}{cross_platform_suffix(self.platform, env)}"
        return f"{shown} {self.display_name}" if self.display_name else shown

    def command_text(self, node: ast.Instruction, st: StageState, suffix: str = "") -> str:
        """The instruction (without heredoc bodies) and ``suffix`` as progress shows them:
        variables expanded (a RUN keeps its quotes and unset variables), then the keyword
        upper-cased; as written if expansion fails."""
        text = instruction_line(node) + suffix
        run = isinstance(node, ast.Run)
        env: Mapping[str, str] = st.llb.env
        if isinstance(node, ast.Run):
            for mount in node.mounts:
                if mount.type == "secret" and mount.env:
                    env = {**env, mount.env: "****"}
        with contextlib.suppress(WordError):
            text = expand_word(text, env, self.escape, raw_quotes=run, skip_unset_env=run)
        keyword, sep, rest = text.partition(" ")
        return keyword.upper() + sep + rest

    def step_label(self, text: str, st: StageState, step: int) -> str:
        """``[name k/N] TEXT`` for step ``step`` of the stage ``st`` builds."""
        return step_name(self.label(st), step, self.total_steps, text)

    def op_meta(
        self, node: ast.Instruction, st: StageState, suffix: str = ""
    ) -> tuple[OpMeta, int]:
        """Name (the instruction's, then ``suffix``), description and lines of a step's op,
        and the step it is (to store in the stage's state with what the step made)."""
        name, step = self.progress_name(self.command_text(node, st, suffix), st)
        # Docker's frontend describes RUN steps only since BuildKit 0.11 (COPY and ADD before).
        described = isinstance(node, ast.Run) or (
            isinstance(node, ast.Copy | ast.Add) and self.options.request.llb_caps.release < (0, 11)
        )
        command = instruction_line(node)
        meta = OpMeta(
            name=name,
            description=((COMMAND_KEY, command),) if described else (),
            ignore_cache=self.ignore_cache,
            ranges=node.location.ranges,
        )
        return meta, step


def instruction_line(node: ast.Instruction) -> str:
    """The instruction as written, continuation lines joined, without heredoc bodies."""
    return node.original.partition("\n")[0].strip()


def step_name(display_name: str, step: int, total: int, text: str) -> str:
    """The progress label of step ``step`` of ``total`` in a stage."""
    if total == 0:
        return text
    width = 1 + int(math.log10(total))
    prefix = f"{display_name} " if display_name else ""
    return f"[{prefix}{step:>{width}}/{total}] {text}"


def cross_platform_suffix(platform: Platform, env: Mapping[str, str]) -> str:
    """``->arm64`` when the stage's ``TARGET*`` variables name another platform than its own."""
    target: Platform | None = None
    parts = {"TARGETOS": "", "TARGETARCH": "", "TARGETVARIANT": ""}
    named = False
    for key, value in env.items():
        if key == "TARGETPLATFORM":
            try:
                target = Platform.parse(value)
                break
            except ValueError:
                continue
        if key in parts:
            parts[key], named = value, True
    if target is None:
        if not named:
            return ""
        os_ = parts["TARGETOS"] or platform.os
        arch = parts["TARGETARCH"] or platform.architecture
        variant = parts["TARGETVARIANT"]
        try:
            target = Platform.parse(f"{os_}/{arch}/{variant}" if variant else f"{os_}/{arch}")
        except ValueError:
            return ""
    if target.os == platform.os and target.architecture != platform.architecture:
        return (
            f"->{target.architecture}/{target.variant}"
            if target.variant
            else (f"->{target.architecture}")
        )
    if target.os != platform.os:
        return f"->{target}"
    return ""
