"""The ``frontend.outline`` and ``frontend.targets`` subrequests, as Docker's frontend
answers them (``docker buildx build --call outline|targets``).

``targets`` lists every stage as written. ``outline`` lists what the target
stage and the stages it needs take from the client: the build args they use
(with the value the build would give them and the ``# NAME description``
comment above the ARG), the secrets and SSH sockets their ``RUN --mount``\\ s
ask for; each with its source location.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from frontend.compiler.convert import CompileResult
from frontend.compiler.options import BuildOptions
from frontend.compiler.subrequests import rpc_result
from frontend.errors import DockerfileError
from frontend.frozen import frozen
from frontend.gotext import tabwrite
from frontend.persistent import Vars
from frontend.semantics import stages as sem
from frontend.semantics.include import Spliced
from frontend.semantics.scope import ArgRules, GlobalArg, Scope, global_args
from frontend.semantics.words import WordError, expand_word, expand_word_matches
from frontend.syntax import ast, parse
from frontend.syntax.instructions import parse_mount
from frontend.syntax.wording import CURRENT, Wording


def doc_comment(comments: tuple[str, ...], name: str) -> str:
    """The description of ``name``: the text after ``name `` in a comment right above."""
    if not name:
        return ""
    for line in comments:
        if line.startswith(name + " "):
            return line[len(name) + 1 :]
    return ""


def location(node: ast.Instruction, spliced: Spliced | None = None) -> dict[str, Any]:
    """``pb.Location`` as Go's JSON writes it: one range per source line; with
    includes, in the file the line comes from (``sourceIndex`` into ``_sources``)."""
    ranges = node.location.ranges
    index = 0
    if spliced is not None:
        index = spliced.locate(node.location.start_line)[0]
        ranges = tuple((spliced.locate(a)[1], spliced.locate(b)[1]) for a, b in ranges)
    out: dict[str, Any] = {"sourceIndex": index} if index else {}
    out["ranges"] = [{"start": {"line": a}, "end": {"line": b}} for a, b in ranges]
    return out


def _sources(data: bytes, spliced: Spliced | None) -> list[str]:
    """The Dockerfile, then each file it includes (what ``location`` indexes)."""
    files = [d for _, d in spliced.files] if spliced is not None else [data]
    return [base64.b64encode(d).decode() for d in files]


# ---- targets ---------------------------------------------------------------


def targets(
    data: bytes, filename: str, wording: Wording = CURRENT, spliced: Spliced | None = None
) -> dict[str, bytes]:
    """Every stage: name, description, whether it is the default, base and platform;
    ``spliced``: ``data``'s files when it has includes."""
    dockerfile = parse(data, filename, wording)
    _, raw_stages = sem.split_stages(dockerfile)
    listed = []
    for i, (node, _) in enumerate(raw_stages):
        name = (node.name or "").lower()
        entry: dict[str, Any] = {}
        if name:
            entry["name"] = name
        if i == len(raw_stages) - 1:
            entry["default"] = True
        if description := doc_comment(node.comments, name):
            entry["description"] = description
        if node.image:
            entry["base"] = node.image
        if node.platform:
            entry["platform"] = node.platform
        entry["location"] = location(node, spliced)
        listed.append(entry)
    rows = ""
    for entry in listed:
        name = entry.get("name", "")
        if entry.get("default"):
            name = f"{name} (default)" if name else "(default)"
        rows += f"{name}\t{entry.get('description', '')}\n"
    text = tabwrite("TARGET\tDESCRIPTION\n" + rows, padding=1)
    return rpc_result({"targets": listed, "sources": _sources(data, spliced)}, text)


# ---- outline ---------------------------------------------------------------


@frozen
class _ArgInfo:
    """A build argument as the outline reports it."""

    name: str
    value: str
    description: str
    node: ast.Instruction
    deps: frozenset[str] = frozenset()

    def to_json(self, spliced: Spliced | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        if self.value:
            out["value"] = self.value
        out["location"] = location(self.node, spliced)
        return out


@dataclass
class _StageOutline:
    """What one stage uses: build args (by name) and secret and SSH ids."""

    args: dict[str, _ArgInfo]
    used: list[str] = field(default_factory=list)
    secrets: dict[str, tuple[bool, ast.Instruction]] = field(default_factory=dict)
    ssh: dict[str, tuple[bool, ast.Instruction]] = field(default_factory=dict)
    scope: Scope = field(default_factory=lambda: Scope(Vars()))
    """The scope at the stage's end (what a stage built on it starts with)."""


def outline(
    dockerfile: ast.Dockerfile,
    data: bytes,
    compiled: CompileResult,
    options: BuildOptions,
    spliced: Spliced | None = None,
) -> dict[str, bytes]:
    """What the target stage (and each stage it needs) takes from the client.

    ``compiled`` is the build of the target: its plan, and its base images'
    environments (an ARG default can read them); ``spliced``: ``data``'s files
    when it has includes.
    """
    plan = compiled.plan
    escape = dockerfile.escape
    meta_nodes, _ = sem.split_stages(dockerfile)
    build_args = options.request.build_args
    rules = ArgRules(build_args, plan.meta_arg_map())
    meta = _meta_args(global_args(meta_nodes, build_args, plan.predefined, escape))
    outlines: dict[int, _StageOutline] = {}
    for index in sorted(plan.reachable):  # a stage comes after the stage it starts from
        stage = plan.stages[index]
        if stage.base is not None:
            scope = outlines[stage.base].scope.child()
        else:
            scope = Scope.of_image(compiled.bases[index].env if index in compiled.bases else ())
        outlines[index] = _stage_outline(stage, meta, rules, escape, scope)
    deps: dict[int, set[int]] = {i: set() for i in plan.reachable}
    for (stage_index, *_), source in [*plan.sources.items(), *plan.mount_sources.items()]:
        if isinstance(source, int) and stage_index in deps:
            deps[stage_index].add(source)

    args: list[_ArgInfo] = []
    secrets: list[tuple[int, dict[str, Any]]] = []  # with the line in ``data``, to sort by
    ssh: list[tuple[int, dict[str, Any]]] = []
    seen_args: set[str] = set()
    seen_secrets: set[str] = set()
    seen_ssh: set[str] = set()
    visited: set[int] = set()

    def visit(index: int) -> None:
        """The target first, then the stage it starts from, then those it reads."""
        if index in visited:  # a second visit would find nothing new
            return
        visited.add(index)
        own = outlines[index]
        for key in _closure(own):
            if key in own.args and key not in seen_args:
                seen_args.add(key)
                args.append(own.args[key])
        for ids, seen, out in ((own.secrets, seen_secrets, secrets), (own.ssh, seen_ssh, ssh)):
            for key, (required, node) in ids.items():
                if key not in seen:
                    seen.add(key)
                    entry: dict[str, Any] = {"name": key}
                    if required:
                        entry["required"] = True
                    entry["location"] = location(node, spliced)
                    out.append((node.location.start_line, entry))
        base = plan.stages[index].base
        if base is not None:
            visit(base)
        for dep in sorted(deps[index] - {base}):
            visit(dep)

    visit(plan.target)
    target = plan.stages[plan.target]
    result: dict[str, Any] = {}
    if target.name:
        result["name"] = target.name
    if description := doc_comment(target.from_.comments, target.name or ""):
        result["description"] = description
    by_line = sorted(args, key=lambda a: a.node.location.start_line)
    if by_line:
        result["args"] = [a.to_json(spliced) for a in by_line]
    if secrets:
        result["secrets"] = [entry for _, entry in sorted(secrets, key=itemgetter(0))]
    if ssh:
        result["ssh"] = [entry for _, entry in sorted(ssh, key=itemgetter(0))]
    result["sources"] = _sources(data, spliced)
    return rpc_result(result, _outline_text(result))


def _meta_args(decls: list[GlobalArg]) -> dict[str, _ArgInfo]:
    """The global ARGs: value, description, location, and the args their defaults read."""
    infos: dict[str, _ArgInfo] = {}
    for arg in decls:
        if arg.node is not None:
            description = doc_comment(arg.node.comments, arg.name)
            infos[arg.name] = _ArgInfo(arg.name, arg.value or "", description, arg.node, arg.reads)
    return infos


def _stage_outline(
    stage: sem.Stage,
    meta: Mapping[str, _ArgInfo],
    rules: ArgRules,
    escape: str,
    scope: Scope,
) -> _StageOutline:
    """The args, secrets and SSH ids one stage uses (its FROM's and its own);
    ``scope`` is the one it starts with."""
    own = _StageOutline(args=dict(meta), scope=scope)
    used: dict[str, None] = {}
    words = [stage.from_.image] + ([stage.from_.platform] if stage.from_.platform else [])
    for word in words:
        with contextlib.suppress(WordError):  # planning already refused a bad FROM
            matched = expand_word_matches(word, rules.globals, escape).matched
            used.update(dict.fromkeys(sorted(matched)))
    for node in stage.commands:
        if isinstance(node, ast.Env):
            own.scope = own.scope.with_env(
                (p.key, _expand(p.value, own.scope.env, escape)) for p in node.pairs
            )
        elif isinstance(node, ast.Arg):
            for decl in node.args:
                expand = functools.partial(_expand, env=own.scope.env, escape=escape)
                own.scope, arg = own.scope.declare(decl, rules, expand)
                inherited = decl.default is None and decl.name not in rules.build_args
                if not (inherited and arg.value is not None):
                    description = doc_comment(node.comments, decl.name)
                    own.args[decl.name] = _ArgInfo(decl.name, arg.value or "", description, node)
                used[decl.name] = None
        elif isinstance(node, ast.Run):
            for mount in node.mounts:
                _note_mount(own, mount, node, own.scope.env, escape)
    own.used = list(used)
    return own


def _note_mount(
    own: _StageOutline, mount: ast.Mount, node: ast.Run, env: Mapping[str, str], escape: str
) -> None:
    if mount.type not in ("secret", "ssh"):
        return
    if mount.unexpanded:
        try:
            mount = parse_mount(mount.spec, lambda word: expand_word(word, env, escape))
        except (DockerfileError, WordError):
            return
    if mount.type == "secret":
        key = mount.source or mount.id or (posixpath.basename(mount.target) if mount.target else "")
        if key:
            own.secrets.setdefault(key, (mount.required, node))
    else:
        own.ssh.setdefault(mount.id or "default", (mount.required, node))


def _expand(word: str, env: Mapping[str, str], escape: str) -> str:
    try:
        return expand_word(word, env, escape)
    except WordError:
        return word


def _closure(own: _StageOutline) -> list[str]:
    """The args a stage uses, with every arg their defaults read (transitively)."""
    out: dict[str, None] = {}
    pending = list(own.used)
    while pending:
        key = pending.pop(0)
        if key in out:
            continue
        out[key] = None
        info = own.args.get(key)
        if info is not None:
            pending.extend(sorted(info.deps))
    return list(out)


def _outline_text(result: Mapping[str, Any]) -> str:
    """``result.txt``: the tables ``docker buildx build --call outline`` prints."""
    text = ""
    name, description = result.get("name", ""), result.get("description", "")
    if name or description:
        head = f"TARGET:\t{name or '(default)'}\n"
        if description:
            head += f"DESCRIPTION:\t{description}\n"
        text += tabwrite(head, padding=1) + "\n"
    if args := result.get("args"):
        rows = "".join(
            f"{a['name']}\t{a.get('value', '')}\t{a.get('description', '')}\n" for a in args
        )
        text += tabwrite("BUILD ARG\tVALUE\tDESCRIPTION\n" + rows, padding=3) + "\n"
    for key, title in (("secrets", "SECRET"), ("ssh", "SSH")):
        if entries := result.get(key):
            rows = "".join(f"{e['name']}\t{'true' if e.get('required') else ''}\n" for e in entries)
            text += tabwrite(f"{title}\tREQUIRED\n" + rows, padding=3) + "\n"
    return text
