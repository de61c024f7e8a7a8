"""Build checks that follow a stage instruction by instruction.

They need what upstream knows while it dispatches a stage: the variables in
scope (the base image's environment, ENV, ARG), whether a SHELL or an
absolute WORKDIR was set, which CMD/ENTRYPOINT/HEALTHCHECK came before. A
stage built on another stage starts from that stage's scope. Word
expansions report the variables they could not find (``UndefinedVar``);
ARGs declared without a value count as defined.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from frontend.gotext import clean_path, go_quote
from frontend.platform import default_path
from frontend.semantics import check_rules as rules
from frontend.semantics.check_context import CheckContext, Reporter, StageBase
from frontend.semantics.check_rules import CheckConfig
from frontend.semantics.heredoc import find as find_heredoc
from frontend.semantics.ignore import IgnoreMatcher
from frontend.semantics.scope import NON_ENV_ARGS, ArgRules, Scope
from frontend.semantics.stages import BuildPlan, Stage
from frontend.semantics.words import WordError, expand_word_matches, expand_words
from frontend.syntax import ast
from frontend.syntax.instructions import suggest

_SECRET = re.compile(
    r"(?i)(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)"
    r"(?:_|$)"
)
_NOT_SECRET = re.compile(r"(?i)(?:_|^)(?:public|file|version)(?:_|$)")
_WINDOWS_ABS = re.compile(r"^(?:[a-zA-Z]:)?[\\/]")
_REMOTE = ("http://", "https://", "git@", "git://", "ssh://")


@dataclass
class _Seen:
    """What the checks note of a stage besides its variables."""

    shell: bool = False
    workdir_set: bool = False
    os: str = "linux"

    def copy(self) -> _Seen:
        return _Seen(self.shell, self.workdir_set, self.os)


def image_scope(base: StageBase) -> Scope:
    """The scope of a stage starting from ``base`` (PATH ensured, as the compiler does)."""
    entries = list(base.env)
    if not any(e.partition("=")[0] == "PATH" for e in entries) and base.os != "windows":
        entries.append(f"PATH={default_path(base.os)}")
    return Scope.of_image(entries)


class _Stop(Exception):
    """A word does not expand: the build fails there, so checking the stage ends."""


@dataclass
class _Stage:
    """One stage being checked."""

    ctx: CheckContext
    report: Reporter
    arg_rules: ArgRules
    escape: str
    scope: Scope
    seen: _Seen
    used_once: dict[str, ast.Instruction] = field(default_factory=dict)
    config: CheckConfig = field(default_factory=CheckConfig)
    stopped: bool = False

    def warn(self, rule: rules.Rule, message: str, node: ast.Instruction) -> None:
        self.report(self.config, rule, message, node.location)

    def expand(self, word: str, node: ast.Instruction, *, raw: bool = False) -> str:
        """``word`` expanded in scope; variables it cannot find are reported."""
        try:
            if raw:
                found = expand_word_matches(word, self.scope.env, "\\", skip_process_quotes=True)
            else:
                found = expand_word_matches(word, self.scope.env, self.escape)
        except WordError:
            raise _Stop from None
        if not found.unmatched:
            return found.value
        declared = self.scope.declared
        missing = [n for n in found.unmatched if n not in declared and n not in NON_ENV_ARGS]
        for name in sorted(missing):
            match = suggest(name, list(self.scope.env))
            message = f"Usage of undefined variable '${name}'" + (
                f" (did you mean ${match}?)" if match else ""
            )
            self.warn(rules.UNDEFINED_VAR, message, node)
        return found.value


class StageChecks:
    """The checks of each dispatched stage, fed one instruction at a time.

    The compiler calls ``begin`` for each stage it lowers and ``visit`` with the
    scope before each instruction, so the checks read the very variables the
    LLB is built from. Without a compiler, ``walk`` follows a stage's scope
    itself, with the same ``Scope`` rules.
    """

    def __init__(
        self, ctx: CheckContext, report: Reporter, escape: str, arg_rules: ArgRules
    ) -> None:
        self.ctx, self.report, self.escape, self.arg_rules = ctx, report, escape, arg_rules
        self._seen: dict[int, _Seen] = {}
        self._scopes: dict[int, Scope] = {}
        self._stage: _Stage | None = None
        self._index = -1

    def begin(self, stage: Stage, scope: Scope, base: StageBase | None = None) -> None:
        """Start checking ``stage``, from ``scope`` and its base image (if not a stage)."""
        self.end()
        if stage.base is not None and stage.base in self._seen:
            seen = self._seen[stage.base].copy()
        else:
            base = base or StageBase()
            seen = _Seen(shell=bool(base.shell), os=base.os)
        self._stage = _Stage(self.ctx, self.report, self.arg_rules, self.escape, scope, seen)
        self._index = stage.index

    def visit(self, node: ast.Instruction, scope: Scope | None = None) -> None:
        """Check ``node``; ``scope`` is the stage's scope before it (None: the checks
        follow ENV and ARG themselves)."""
        state = self._stage
        if state is None or state.stopped:
            return
        if scope is not None:
            state.scope = scope
        state.config = self.ctx.config.for_comments(node.comments)
        check = _CHECKS.get(type(node))
        if check is None:
            return
        try:
            check(state, node)
        except _Stop:
            state.stopped = True

    def end(self) -> None:
        """Finish the current stage (a later stage may start from it)."""
        if self._stage is not None:
            self._seen[self._index] = self._stage.seen
            self._scopes[self._index] = self._stage.scope
        self._stage = None

    def walk(self, stage: Stage, base: StageBase | None) -> None:
        """Check ``stage`` with no compiler, following its scope from ``base``."""
        if stage.base is not None and stage.base in self._scopes:
            scope = self._scopes[stage.base].child()
        else:
            scope = image_scope(base or StageBase())
        self.begin(stage, scope, base)
        for node in stage.commands:
            self.visit(node)
        self.end()


def dispatch_checks(
    dockerfile: ast.Dockerfile,
    plan: BuildPlan,
    ctx: CheckContext,
    dispatched: list[int],
    report: Reporter,
) -> None:
    """Check each dispatched stage with no compiler (in file order, so a base stage
    comes first)."""
    rules = ArgRules(ctx.build_args, plan.meta_arg_map())
    checks = StageChecks(ctx, report, dockerfile.escape, rules)
    for index in dispatched:
        checks.walk(plan.stages[index], ctx.bases.get(index))


def _env(state: _Stage, node: ast.Env) -> None:
    pairs = [(state.expand(p.key, node), state.expand(p.value, node)) for p in node.pairs]
    for key, _ in pairs:
        if node.legacy_format:
            _legacy(state, node)
        _secret(state, "ENV", key, node)
    state.scope = state.scope.with_env(pairs)


def _label(state: _Stage, node: ast.Label) -> None:
    for pair in node.pairs:
        state.expand(pair.key, node)
        state.expand(pair.value, node)
    if node.legacy_format:
        _legacy(state, node)


def _legacy(state: _Stage, node: ast.Instruction) -> None:
    name = node.original.split(None, 1)[0]
    message = f'"{name} key=value" should be used instead of legacy "{name} key value" format'
    state.warn(rules.LEGACY_KEY_VALUE_FORMAT, message, node)


def _secret(state: _Stage, instruction: str, key: str, node: ast.Instruction) -> None:
    if _SECRET.search(key) and not _NOT_SECRET.search(key):
        message = (
            f"Do not use ARG or ENV instructions for sensitive data ({instruction} {go_quote(key)})"
        )
        state.warn(rules.SECRETS_USED_IN_ARG_OR_ENV, message, node)


def _arg(state: _Stage, node: ast.Arg) -> None:
    for decl in node.args:
        _secret(state, "ARG", decl.name, node)
        state.scope, _ = state.scope.declare(decl, state.arg_rules, lambda w: state.expand(w, node))


def _workdir(state: _Stage, node: ast.Workdir) -> None:
    path = state.expand(node.path, node)
    absolute = _WINDOWS_ABS.match(path) if state.seen.os == "windows" else path.startswith("/")
    if not state.seen.workdir_set and not absolute:
        message = (
            f"Relative workdir {go_quote(path)} can have unexpected results "
            "if the base image changes"
        )
        state.warn(rules.WORKDIR_RELATIVE_PATH, message, node)
    state.seen.workdir_set = True


def _words(*names: str) -> Callable[[_Stage, ast.Instruction], None]:
    """A check that only expands the named word fields (tuples of words too)."""

    def check(state: _Stage, node: ast.Instruction) -> None:
        for name in names:
            value = getattr(node, name)
            for word in value if isinstance(value, tuple) else (value,):
                state.expand(word, node)

    return check


def _copy(state: _Stage, node: ast.Copy | ast.Add) -> None:
    for word in (node.chown, node.chmod, getattr(node, "checksum", None)):
        if word is not None:
            state.expand(word, node)
    words = [w for w in node.sources if find_heredoc(node.heredocs, w) is None]
    sources = [state.expand(w, node) for w in words]
    state.expand(node.dest, node)
    for doc in node.heredocs:
        if doc.expand and any(find_heredoc((doc,), w) for w in node.sources):
            state.expand(doc.content, node, raw=True)
    from_context = isinstance(node, ast.Add) or not node.from_
    ignore = state.ctx.ignore
    if from_context and ignore is not None and not ignore.has_exclusions:
        for src in sources:
            if not src.startswith(_REMOTE):
                _ignored_source(state, node, ignore, src)


def _ignored_source(
    state: _Stage, node: ast.Copy | ast.Add, ignore: IgnoreMatcher, src: str
) -> None:
    path = clean_path(src)
    if path in (".", "/") and not ignore.root_ignored():
        return
    if ignore.matches_or_parent_matches(path):
        verb = "Add" if isinstance(node, ast.Add) else "Copy"
        message = f"Attempting to {verb} file {go_quote(path)} that is excluded by .dockerignore"
        state.warn(rules.COPY_IGNORED_FILE, message, node)


def _used_once(state: _Stage, node: ast.Instruction) -> None:
    """A second CMD, ENTRYPOINT or HEALTHCHECK: the earlier one is the one ignored."""
    keyword = node.original.split(None, 1)[0]
    previous = state.used_once.get(type(node).__name__)
    if previous is not None:
        message = (
            f"Multiple {keyword} instructions should not be used in the same stage because "
            "only the last one will be used"
        )
        state.report(state.config, rules.MULTIPLE_INSTRUCTIONS_DISALLOWED, message,
                     previous.location)  # fmt: skip
    state.used_once[type(node).__name__] = node


def _command(state: _Stage, node: ast.Cmd | ast.Entrypoint) -> None:
    _used_once(state, node)
    if isinstance(node.command, ast.ShellCommand) and not state.seen.shell:
        keyword = node.original.split(None, 1)[0]
        message = (
            f"JSON arguments recommended for {keyword} to prevent unintended behavior "
            "related to OS signals"
        )
        state.warn(rules.JSON_ARGS_RECOMMENDED, message, node)


def _shell(state: _Stage, node: ast.Shell) -> None:
    state.seen.shell = bool(node.args)


def _expose(state: _Stage, node: ast.Expose) -> None:
    for word in node.ports:
        try:
            specs = expand_words(word, state.scope.env, state.escape)
        except WordError:
            raise _Stop from None
        for spec in specs:
            _port(state, node, spec)


def _port(state: _Stage, node: ast.Expose, raw: str) -> None:
    parts = raw.split(":")
    ip = ":".join(parts[:-2])
    host = parts[-2] if len(parts) > 1 else ""
    port, _, proto = parts[-1].partition("/")
    if not port or proto.lower() not in ("", "tcp", "udp", "sctp"):
        return  # the build fails on it
    if proto != proto.lower():
        message = f"Defined protocol '{raw}' in EXPOSE instruction should be lowercase"
        state.warn(rules.EXPOSE_PROTO_CASING, message, node)
    if ip or host:
        message = (
            "EXPOSE instruction should not define an IP address or host-port mapping, "
            f"found '{raw}'"
        )
        state.warn(rules.EXPOSE_INVALID_FORMAT, message, node)


_CHECKS: dict[type[ast.Instruction], Callable[[_Stage, Any], None]] = {
    ast.Env: _env,
    ast.Label: _label,
    ast.Arg: _arg,
    ast.Workdir: _workdir,
    ast.User: _words("user"),
    ast.Volume: _words("paths"),
    ast.StopSignal: _words("signal"),
    ast.Copy: _copy,
    ast.Add: _copy,
    ast.Cmd: _command,
    ast.Entrypoint: _command,
    ast.Healthcheck: _used_once,
    ast.Shell: _shell,
    ast.Expose: _expose,
}
