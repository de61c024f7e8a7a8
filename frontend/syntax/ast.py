"""Typed instruction nodes: one frozen dataclass per Dockerfile instruction.

Values stay as written (quotes and ``$VAR`` included); word expansion happens
later, in ``frontend.semantics.words``, because it depends on ARG/ENV scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Location:
    """Where a node sits in the Dockerfile: 1-based lines and column."""

    start_line: int
    end_line: int
    column: int = 1


@dataclass(frozen=True)
class Heredoc:
    """A heredoc body attached to an instruction (``<<EOF`` ... ``EOF``)."""

    name: str
    content: str
    expand: bool = True
    chomp: bool = False
    file_descriptor: int = 0


@dataclass(frozen=True)
class Flag:
    """One ``--name[=value]`` flag as written; ``value`` is None for ``--name``."""

    name: str
    value: str | None
    raw: str


@dataclass(frozen=True)
class Instruction:
    """Fields every instruction shares."""

    location: Location
    original: str
    flags: tuple[Flag, ...] = ()

    @property
    def keyword(self) -> str:
        return type(self).__name__.upper()


@dataclass(frozen=True)
class ShellCommand:
    """Shell form: one command line handed to the stage's shell."""

    text: str
    heredocs: tuple[Heredoc, ...] = ()


@dataclass(frozen=True)
class ExecCommand:
    """Exec (JSON array) form: argv as written."""

    args: tuple[str, ...]


Command = ShellCommand | ExecCommand


@dataclass(frozen=True)
class KeyValue:
    """A ``key=value`` pair of ENV, LABEL or ARG; raw words, unexpanded."""

    key: str
    value: str


@dataclass(frozen=True)
class ArgDecl:
    """One name of an ARG line, with its default when given."""

    name: str
    default: str | None


@dataclass(frozen=True)
class From(Instruction):
    image: str = ""
    name: str | None = None
    platform: str | None = None


@dataclass(frozen=True)
class Run(Instruction):
    command: Command = field(default_factory=lambda: ShellCommand(""))
    mounts: tuple[str, ...] = ()
    network: str | None = None
    security: str | None = None


@dataclass(frozen=True)
class Cmd(Instruction):
    command: Command = field(default_factory=lambda: ShellCommand(""))


@dataclass(frozen=True)
class Entrypoint(Instruction):
    command: Command = field(default_factory=lambda: ShellCommand(""))


@dataclass(frozen=True)
class Shell(Instruction):
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Copy(Instruction):
    sources: tuple[str, ...] = ()
    dest: str = ""
    heredocs: tuple[Heredoc, ...] = ()
    from_: str | None = None
    chown: str | None = None
    chmod: str | None = None
    link: bool = False
    parents: bool = False
    excludes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Add(Instruction):
    sources: tuple[str, ...] = ()
    dest: str = ""
    heredocs: tuple[Heredoc, ...] = ()
    chown: str | None = None
    chmod: str | None = None
    link: bool = False
    checksum: str | None = None
    keep_git_dir: bool = False
    excludes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Env(Instruction):
    pairs: tuple[KeyValue, ...] = ()


@dataclass(frozen=True)
class Arg(Instruction):
    args: tuple[ArgDecl, ...] = ()


@dataclass(frozen=True)
class Label(Instruction):
    pairs: tuple[KeyValue, ...] = ()


@dataclass(frozen=True)
class Maintainer(Instruction):
    name: str = ""


@dataclass(frozen=True)
class Expose(Instruction):
    ports: tuple[str, ...] = ()


@dataclass(frozen=True)
class Workdir(Instruction):
    path: str = ""


@dataclass(frozen=True)
class User(Instruction):
    user: str = ""


@dataclass(frozen=True)
class Volume(Instruction):
    paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class StopSignal(Instruction):
    signal: str = ""

    @property
    def keyword(self) -> str:
        return "STOPSIGNAL"


@dataclass(frozen=True)
class Healthcheck(Instruction):
    """``HEALTHCHECK NONE`` has ``command`` None; durations stay raw strings."""

    command: Command | None = None
    interval: str | None = None
    timeout: str | None = None
    start_period: str | None = None
    start_interval: str | None = None
    retries: str | None = None


@dataclass(frozen=True)
class Onbuild(Instruction):
    """ONBUILD keeps its trigger as text (the image config stores it so)."""

    expression: str = ""
    trigger: Instruction | None = None


@dataclass(frozen=True)
class Dockerfile:
    """A parsed file: parser directives and instructions in order."""

    directives: tuple[tuple[str, str], ...]
    instructions: tuple[Instruction, ...]
    escape: str = "\\"
