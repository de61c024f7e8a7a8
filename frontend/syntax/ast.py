"""Typed instruction nodes: one frozen dataclass per Dockerfile instruction.

Values stay as written (quotes and ``$VAR`` included); word expansion happens
later, in ``frontend.semantics.words``, because it depends on ARG/ENV scope.
"""

from __future__ import annotations

from dataclasses import field
from typing import Literal

from frontend.errors import DockerfileWarning, line_ranges
from frontend.frozen import frozen
from frontend.syntax.nodes import Heredoc as Heredoc  # the raw layer's, shared

MountType = Literal["bind", "cache", "tmpfs", "secret", "ssh"]
ShareMode = Literal["shared", "private", "locked"]
NetworkMode = Literal["default", "none", "host"]
SecurityMode = Literal["sandbox", "insecure"]


@frozen
class Location:
    """Where a node sits in the Dockerfile: 1-based lines and column."""

    start_line: int
    end_line: int
    column: int = 1

    @property
    def ranges(self) -> tuple[tuple[int, int], ...]:
        """One ``(line, line)`` range per line, as Docker's frontend locates a node."""
        return line_ranges(self.start_line, self.end_line)


@frozen
class Flag:
    """One ``--name[=value]`` flag; ``value`` is None for ``--name``; ``column`` 0 if unknown."""

    name: str
    value: str | None
    raw: str
    column: int = 0


@frozen
class Instruction:
    """Fields every instruction shares."""

    location: Location
    original: str
    flags: tuple[Flag, ...] = ()
    comments: tuple[str, ...] = field(default=(), compare=False)
    """The comment lines right above (a ``# check=`` among them tunes checks here)."""

    @property
    def keyword(self) -> str:
        return type(self).__name__.upper()


@frozen
class ShellCommand:
    """Shell form: one command line handed to the stage's shell."""

    text: str
    heredocs: tuple[Heredoc, ...] = ()


@frozen
class ExecCommand:
    """Exec (JSON array) form: argv as written."""

    args: tuple[str, ...]


Command = ShellCommand | ExecCommand


@frozen
class KeyValue:
    """A ``key=value`` pair of ENV, LABEL or ARG; raw words, unexpanded."""

    key: str
    value: str


@frozen
class ArgDecl:
    """One name of an ARG line, with its default when given."""

    name: str
    default: str | None


@frozen
class Mount:
    """One ``RUN --mount`` spec, with upstream's defaults.

    Word fields (``target``, ``source``, ``from_``, ``id``, ``env``) are raw
    words. ``unexpanded`` names the options whose values hold variables: their
    typed fields keep defaults and the cross-option checks wait until the
    compiler re-parses ``spec`` with its expander
    (``frontend.syntax.instructions.parse_mount``).
    """

    spec: str
    type: MountType = "bind"
    target: str = ""
    source: str = ""
    from_: str = ""
    readonly: bool = True
    id: str = ""
    sharing: ShareMode | None = None
    required: bool = False
    size: int = 0
    """tmpfs size limit in bytes; 0 is no limit."""
    env: str | None = None
    mode: int | None = None
    uid: int | None = None
    gid: int | None = None
    unexpanded: tuple[str, ...] = ()


@frozen
class Device:
    """One ``RUN --device`` spec: a device (CDI) name, and whether it must exist."""

    spec: str
    name: str = ""
    required: bool = False


@frozen
class From(Instruction):
    """``name`` is as written (stage names compare case-insensitively)."""

    image: str = ""
    name: str | None = None
    platform: str | None = None


@frozen
class Run(Instruction):
    """RUN: a command, with its mounts, network and security modes and devices."""

    command: Command = field(default_factory=lambda: ShellCommand(""))
    mounts: tuple[Mount, ...] = ()
    network: NetworkMode = "default"
    security: SecurityMode = "sandbox"
    devices: tuple[Device, ...] = ()


@frozen
class Cmd(Instruction):
    """CMD: the image's default command."""

    command: Command = field(default_factory=lambda: ShellCommand(""))


@frozen
class Entrypoint(Instruction):
    """ENTRYPOINT: the image's entry point."""

    command: Command = field(default_factory=lambda: ShellCommand(""))


@frozen
class Shell(Instruction):
    """SHELL: the shell that runs shell-form commands."""

    args: tuple[str, ...] = ()


@frozen
class Copy(Instruction):
    """COPY: sources (or heredocs) from the context or another stage to ``dest``."""

    sources: tuple[str, ...] = ()
    dest: str = ""
    heredocs: tuple[Heredoc, ...] = ()
    from_: str | None = None
    chown: str | None = None
    chmod: str | None = None
    link: bool = False
    parents: bool = False
    excludes: tuple[str, ...] = ()


@frozen
class Add(Instruction):
    """ADD: like COPY, also from URLs and Git, unpacking local archives."""

    sources: tuple[str, ...] = ()
    dest: str = ""
    heredocs: tuple[Heredoc, ...] = ()
    chown: str | None = None
    chmod: str | None = None
    link: bool = False
    checksum: str | None = None
    keep_git_dir: bool | None = None
    """None when the flag is absent (the default then depends on the source)."""
    unpack: bool | None = None
    excludes: tuple[str, ...] = ()


@frozen
class Env(Instruction):
    """ENV: environment variables."""

    pairs: tuple[KeyValue, ...] = ()
    legacy_format: bool = False
    """Written ``ENV KEY value`` (no ``=``)."""


@frozen
class Arg(Instruction):
    """ARG: build arguments, each with an optional default."""

    args: tuple[ArgDecl, ...] = ()


@frozen
class Label(Instruction):
    """LABEL: image labels."""

    pairs: tuple[KeyValue, ...] = ()
    legacy_format: bool = False
    """Written ``LABEL key value`` (no ``=``)."""


@frozen
class Maintainer(Instruction):
    """MAINTAINER: the image's author (deprecated)."""

    name: str = ""


@frozen
class Expose(Instruction):
    """EXPOSE: ports, as written."""

    ports: tuple[str, ...] = ()


@frozen
class Workdir(Instruction):
    """WORKDIR: the working directory."""

    path: str = ""


@frozen
class User(Instruction):
    """USER: the user (and group) commands run as."""

    user: str = ""


@frozen
class Volume(Instruction):
    """VOLUME: mount points of the image."""

    paths: tuple[str, ...] = ()


@frozen
class StopSignal(Instruction):
    """STOPSIGNAL: the signal that stops a container."""

    signal: str = ""

    @property
    def keyword(self) -> str:
        return "STOPSIGNAL"


@frozen
class Healthcheck(Instruction):
    """``HEALTHCHECK NONE`` has ``command`` None.

    Durations are nanoseconds and, like ``retries``, 0 when not given.
    """

    command: Command | None = None
    interval: int = 0
    timeout: int = 0
    start_period: int = 0
    start_interval: int = 0
    retries: int = 0


@frozen
class Onbuild(Instruction):
    """ONBUILD keeps its trigger as text (the image config stores it so).

    ``trigger`` is the typed trigger, or None when it does not parse: like
    upstream, such errors surface only when a build runs the trigger.
    """

    expression: str = ""
    trigger: Instruction | None = None


@frozen
class Dockerfile:
    """A parsed file: parser directives and instructions in order."""

    directives: tuple[tuple[str, str], ...]
    instructions: tuple[Instruction, ...]
    escape: str = "\\"
    warnings: tuple[DockerfileWarning, ...] = ()
    empty_continuations: tuple[int, ...] = ()
    """Last lines of the instructions that had a blank line inside a continuation."""
