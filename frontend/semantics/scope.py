"""ARG and ENV: the variables each word of a Dockerfile sees, as Docker's frontend has them.

One implementation, read by the compiler (for the LLB and the image config)
and by the build checks alike:

- Predefined ARGs (the platforms, the OS versions and ``TARGETSTAGE`` where the
  engine's frontend has them), then the global ARGs before the first FROM, in
  order. A build arg replaces a value; a replaced default is never expanded. A
  global ARG with no value that no build arg sets is unset.
- A stage starts from its base image's environment, or from the scope of the
  stage it builds on. ``ENV`` sets variables. ``ARG`` declares one: a build
  arg's value (the default is then never expanded), else the default
  expanded, else the global ARG's value.
- ARG names are taken as written, never expanded.
- Non-env ARGs (the SBOM scanner's) are declared but never enter the environment.

Each update returns a new ``Scope`` in O(1): a stage of n ARGs and ENVs costs O(n).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import field
from typing import Final

from frontend.errors import DockerfileError
from frontend.frozen import frozen
from frontend.persistent import Chain, Vars
from frontend.platform import Platform
from frontend.semantics.words import WordError, expand_word, expand_word_matches
from frontend.syntax import ast

SBOM_SCAN_CONTEXT_ARG: Final = "BUILDKIT_SBOM_SCAN_CONTEXT"
SBOM_SCAN_STAGE_ARG: Final = "BUILDKIT_SBOM_SCAN_STAGE"
SBOM_SCAN_ARGS: Final = frozenset((SBOM_SCAN_CONTEXT_ARG, SBOM_SCAN_STAGE_ARG))
"""Build args that tell the SBOM scanner what to scan, not variables for RUN steps
(the checks never count them as such; lowering keeps them out since BuildKit 0.11)."""

NON_ENV_ARGS = SBOM_SCAN_ARGS
"""ARGs that configure the build, not the RUN environment."""


def predefined_args(
    build: Platform,
    target: Platform,
    *,
    target_stage: str | None = None,
    os_versions: bool = False,
) -> list[tuple[str, str]]:
    """The ARGs every build defines: the platforms, then (BuildKit 0.19 and later) the
    OS versions, then (0.17 and later) ``TARGETSTAGE``, when ``target_stage`` is given."""
    args = [
        ("TARGETPLATFORM", target.full),
        ("TARGETOS", target.os),
        ("TARGETARCH", target.architecture),
        ("TARGETVARIANT", target.variant),
        ("BUILDPLATFORM", str(build)),
        ("BUILDOS", build.os),
        ("BUILDARCH", build.architecture),
        ("BUILDVARIANT", build.variant),
    ]
    if os_versions:
        args += [("BUILDOSVERSION", build.os_version), ("TARGETOSVERSION", target.os_version)]
    if target_stage is not None:
        args.append(("TARGETSTAGE", target_stage))
    return args


def target_stage_name(target: str, dockerfile: ast.Dockerfile) -> str:
    """``TARGETSTAGE``: the requested target, else the last stage's name, else ``default``."""
    if not target:
        last = [node for node in dockerfile.instructions if isinstance(node, ast.From)][-1:]
        target = last[0].name.lower() if last and last[0].name else ""
    return target or "default"


@frozen
class GlobalArg:
    """One global ARG declaration: its value (None: unset), its ARG instruction
    (None: predefined) and the ARGs its default read (with what those read, for
    a default that reads the ARG itself)."""

    name: str
    value: str | None
    node: ast.Arg | None = None
    reads: frozenset[str] = frozenset()

    @property
    def pair(self) -> tuple[str, str | None]:
        """``(name, value)``, as ``values_of`` takes it."""
        return self.name, self.value


def global_args(
    nodes: Iterable[ast.Arg],
    build_args: Mapping[str, str],
    predefined: Iterable[tuple[str, str | None]],
    escape: str,
    *,
    unset_is_empty: bool = False,
) -> list[GlobalArg]:
    """Every global declaration in order, predefined first.

    A build arg replaces a value (the default is then not expanded); a default
    sees the values before it (``unset_is_empty``: an ARG without a value as
    empty, as frontends before BuildKit 0.14 have it). An expansion error names
    the ARG's line.
    """
    declared = [GlobalArg(k, build_args.get(k, v)) for k, v in predefined]
    values: dict[str, str] = values_of(a.pair for a in declared)
    reads: dict[str, frozenset[str]] = {}
    for node in nodes:
        for decl in node.args:
            value: str | None = build_args.get(decl.name)
            found: frozenset[str] = frozenset()
            if value is None and decl.default is not None:
                try:
                    matches = expand_word_matches(decl.default, values, escape)
                except WordError as exc:
                    where = node.location
                    raise DockerfileError(
                        str(exc), line=where.start_line, end_line=where.end_line,
                        column=where.column,
                    ) from None  # fmt: skip
                value, found = matches.value, matches.matched
                if decl.name in found:
                    found = (found - {decl.name}) | reads.get(decl.name, frozenset())
            if value is not None or unset_is_empty:
                values[decl.name] = value or ""
            reads[decl.name] = found
            declared.append(GlobalArg(decl.name, value, node, found))
    return declared


def values_of(
    declared: Iterable[tuple[str, str | None]], *, unset_is_empty: bool = False
) -> dict[str, str]:
    """The names that have a value (a later declaration without one keeps the earlier;
    ``unset_is_empty``: makes it empty)."""
    if unset_is_empty:
        return {k: v or "" for k, v in declared}
    return {k: v for k, v in declared if v is not None}


@frozen
class ArgRules:
    """What a stage's ARG reads besides the scope: build args and global ARG values."""

    build_args: Mapping[str, str] = field(default_factory=dict)
    globals: Mapping[str, str] = field(default_factory=dict)
    non_env: frozenset[str] = NON_ENV_ARGS
    expand_all: bool = False
    """Expand the name and the default even when a build arg replaces it (Docker's
    frontend before BuildKit 0.14)."""


@frozen
class Declared:
    """One ARG declaration as dispatched: its name, its default (expanded, if it was)
    and the value it takes (None: unset)."""

    name: str
    default: str | None
    value: str | None


@frozen
class Scope:
    """A stage's variables at one instruction."""

    env: Vars[str, str]
    """What words see and RUN steps get: the base image's ENV, then ENV and ARG values."""
    args: Chain[tuple[str, str | None]] = field(default_factory=Chain)
    """The ARG declarations in force, with their values (inherited ones first)."""
    declared: Vars[str, str | None] = field(default_factory=Vars)
    """The names of ``args``, for look-ups."""
    own_args: int = 0
    """Where this stage's own declarations start in ``args``."""

    @classmethod
    def of_image(cls, entries: Iterable[str]) -> Scope:
        """A stage starting from an image with the ``K=V`` environment ``entries``."""
        return cls(Vars(map(split_env, entries)))

    def child(self) -> Scope:
        """The scope a stage built on this stage's result starts with."""
        return Scope(self.env, self.args, self.declared, len(self.args))

    def expand(self, word: str, escape: str) -> str:
        """``word`` expanded in this scope (``WordError`` if it cannot be)."""
        return expand_word(word, self.env, escape)

    def env_pairs(self, node: ast.Env, escape: str) -> list[tuple[str, str]]:
        """An ENV's keys and values, each expanded before any is set."""
        return [(self.expand(p.key, escape), self.expand(p.value, escape)) for p in node.pairs]

    def with_env(self, pairs: Iterable[tuple[str, str]]) -> Scope:
        env = self.env
        for key, value in pairs:
            env = env.set(key, value)
        return Scope(env, self.args, self.declared, self.own_args)

    def declare(
        self, decl: ast.ArgDecl, rules: ArgRules, expand: Callable[[str], str]
    ) -> tuple[Scope, Declared]:
        """One ARG declaration; ``expand`` expands a word in this scope."""
        name, default = decl.name, decl.default
        if rules.expand_all:
            name = expand(name)
            default = expand(default) if default is not None else None
        value = rules.build_args.get(name)
        if value is None and default is not None:
            default = default if rules.expand_all else expand(default)
            value = default
        elif value is None:
            value = rules.globals.get(name)
        env = self.env
        if value is not None and name not in rules.non_env:
            env = env.set(name, value)
        args = self.args.append((name, value))
        scope = Scope(env, args, self.declared.set(name, value), self.own_args)
        return scope, Declared(name, default, value)

    def after(self, node: ast.Instruction, rules: ArgRules, escape: str) -> Scope:
        """The scope after ``node`` (only ENV and ARG change it); ``WordError`` if a
        word does not expand."""
        if isinstance(node, ast.Env):
            return self.with_env(self.env_pairs(node, escape))
        scope = self
        if isinstance(node, ast.Arg):
            for decl in node.args:
                expand = functools.partial(scope.expand, escape=escape)
                scope, _ = scope.declare(decl, rules, expand)
        return scope


def split_env(entry: str) -> tuple[str, str]:
    """An environment entry ``K=V`` as ``(K, V)`` (``V`` empty without ``=``)."""
    key, _, value = entry.partition("=")
    return key, value
