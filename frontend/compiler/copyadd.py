"""COPY and ADD: one chain of copies from the context, a stage, URLs, git and heredocs.

Each source becomes a copy action onto the stage (or, for ``--link`` on an
engine with MergeOp, onto scratch, merged over the stage). Flags that need a
newer engine than the one building fail with the capability error Docker's
frontend meets there, naming the line.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import replace
from typing import NamedTuple
from urllib import parse as urlparse  # the module, not its names: it loads at first use

from frontend.compiler.filemode import parse_chmod
from frontend.compiler.stage import StageContext, StageState
from frontend.errors import DockerfileError
from frontend.gotext import clean_path, go_quote, raw_bytes
from frontend.llb import caps
from frontend.llb import state as llb
from frontend.llb.git import GitRef, GitRefError, git_source, parse_git_ref
from frontend.llb.graph import COMMAND_KEY, Chown, Copy, Mkfile, OpMeta, ProgressGroup
from frontend.persistent import evolve
from frontend.semantics import heredoc
from frontend.semantics.ignore import IgnoreMatcher
from frontend.semantics.words import WordError
from frontend.syntax import ast

_DIGEST = re.compile(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+")
_DIGEST_HEX_LENGTH = {"sha256": 64, "sha384": 96, "sha512": 128}
_WILDCARD = re.compile(r"\\.|[*?\[]")
EXCLUDE_VARS = "exclude-vars"
"""The extension that expands variables in ``--exclude``."""


class _Plan(NamedTuple):
    """What every copy action of one instruction shares. (A tuple: every COPY makes one.)"""

    dest: str
    mode: int
    mode_str: str
    owner: Chown | None
    excludes: tuple[str, ...]
    meta: OpMeta


def lower_copy_like(
    ctx: StageContext,
    node: ast.Copy | ast.Add,
    st: StageState,
    source: llb.State,
    from_context: bool,
    index: int = -1,
) -> StageState:
    """Lower COPY or ADD reading local paths from ``source`` (the context or a stage);
    ``index``: the command's index in its stage, to record what it reads from a stage."""
    add = node if isinstance(node, ast.Add) else None
    parents = isinstance(node, ast.Copy) and node.parents
    unpack_flag = add.unpack if add else None
    sources = [ctx.expand(s, st) for s in node.sources if not heredoc.find(node.heredocs, s)]
    inline = [doc for w in node.sources if (doc := heredoc.find(node.heredocs, w))]
    dest_word = ctx.expand(node.dest, st)
    chown = ctx.expand(node.chown, st) if node.chown else ""
    checksum = ctx.expand(add.checksum, st) if add and add.checksum else ""
    mode = parse_chmod(ctx.expand(node.chmod, st) if node.chmod else "")
    if mode.text and not ctx.options.request.llb_caps.copy_mode_string:
        raise DockerfileError(
            f"{node.keyword} --chmod={mode.text}: a symbolic mode needs BuildKit v0.17 or newer"
            " (this engine would ignore it)"
        )
    if node.excludes:
        ctx.options.require_cap(
            caps.FILE_COPY_INCLUDE_EXCLUDE_PATTERNS, f"{node.keyword} --exclude"
        )
    if checksum:
        _check_checksum_sources(sources)
    meta, step = ctx.op_meta(node, st)
    plan = _Plan(
        dest=dest_path(st.llb.cwd, dest_word),
        mode=0 if mode.text else mode.octal,
        mode_str=mode.text,
        owner=Chown.parse(chown) if chown else None,
        excludes=_excludes(ctx, node, st),
        meta=meta,
    )
    actions: list[Copy] = []
    paths, reads = st.context_paths, st.source_reads
    for src in sources:
        git = _git_ref(src)
        if git is not None:
            if add is None:
                raise DockerfileError("source can't be a git ref for COPY")
            actions.append(_git_copy(ctx, add, git, checksum, plan))
        elif _is_http(src):
            if add is None:
                raise DockerfileError("source can't be a URL for COPY")
            actions.append(_http_copy(ctx, src, checksum, bool(unpack_flag), plan))
        else:
            if from_context:
                paths = paths.append(clean_path("/" + src))
            else:
                reads = reads.append((index, clean_path("/" + src)))
            unpack = add is not None if unpack_flag is None else unpack_flag
            actions.append(_local_copy(ctx, source, src, parents, unpack, plan))
    for doc in inline:
        actions.append(_inline_copy(ctx, doc, st, plan))

    if node.link and not node.chmod and ctx.options.request.llb_caps.supports(caps.MERGE_OP):
        label = ctx.step_label(f"LINK {ctx.command_text(node, st)}", st, step)
        state = _linked(st, actions, meta, label)
    else:
        state = st.llb.file(*actions, meta=meta)
    flags = []
    if ctx.image_format.docker_spec:  # older frontends record no flags
        chmod = ctx.expand(node.chmod, st) if node.chmod else ""
        flags = ["--parents"] if parents else []
        flags += [f"--{k}={v}" for k, v in (("chown", chown), ("chmod", chmod)) if v]
    shown = [*flags, *sources, *(f"<<{doc.name}" for doc in inline), dest_word]
    created_by = f"{node.keyword} {' '.join(shown)} # buildkit"
    image = st.image.commit(created_by, layer=True)
    return evolve(st, llb=state, image=image, context_paths=paths, source_reads=reads, step=step)


def _excludes(ctx: StageContext, node: ast.Copy | ast.Add, st: StageState) -> tuple[str, ...]:
    """``--exclude`` patterns: as written, or (the ``exclude-vars`` extension) expanded
    in the stage's scope and checked."""
    if EXCLUDE_VARS not in ctx.extensions:
        return node.excludes
    patterns = []
    for word in node.excludes:
        value = ctx.expand(word, st)
        if not value:
            raise DockerfileError(f"--exclude={word} expands to an empty pattern")
        try:
            IgnoreMatcher((value,))
        except ValueError:
            message = f"--exclude={word} expands to {go_quote(value)}: syntax error in pattern"
            raise DockerfileError(message) from None
        patterns.append(value)
    return tuple(patterns)


def dest_path(cwd: str, dest: str) -> str:
    """The absolute destination; a trailing ``/`` (or ``.``, empty) marks a directory."""
    path = clean_path("/" + (dest if posixpath.isabs(dest) else f"{cwd}/{dest}"))
    if dest in ("", ".") or dest.endswith("/"):
        path = path.rstrip("/") + "/"
    return path


def _is_http(src: str) -> bool:
    return src.startswith(("http://", "https://"))


def _check_checksum_sources(sources: list[str]) -> None:
    if len(sources) != 1:
        raise DockerfileError("checksum can't be specified for multiple sources")
    if not _is_http(sources[0]) and _git_ref(sources[0]) is None:
        raise DockerfileError("checksum requires HTTP(S) or Git sources")


def parse_digest(text: str) -> str:
    """Validate ``algorithm:hex`` as Go's ``digest.Parse`` does; errors carry its words."""
    algorithm, sep, encoded = text.partition(":")
    if not algorithm or not sep or not encoded:
        raise DockerfileError("invalid checksum digest format")
    if algorithm not in _DIGEST_HEX_LENGTH:
        if _DIGEST.fullmatch(text) is None:
            raise DockerfileError("invalid checksum digest format")
        raise DockerfileError("unsupported digest algorithm")
    if len(encoded) != _DIGEST_HEX_LENGTH[algorithm]:
        raise DockerfileError("invalid checksum digest length")
    if re.fullmatch(r"[a-f0-9]+", encoded) is None:
        raise DockerfileError("invalid checksum digest format")
    return text


def url_filename(src: str) -> str:
    """The file an HTTP source is saved as: the URL path's last element, or ``__unnamed__``."""
    try:
        path = urlparse.unquote(urlparse.urlsplit(src).path)
    except ValueError:
        return "__unnamed__"
    base = path.rstrip("/").rsplit("/", 1)[-1]
    return base if base not in ("", ".") else "__unnamed__"


def _local_copy(
    ctx: StageContext, source: llb.State, src: str, parents: bool, unpack: bool, plan: _Plan
) -> Copy:
    include: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    if parents:
        # COPY --parents: the part after a "/./" pivot (or all of it) keeps its directories.
        ctx.options.require_cap(caps.FILE_COPY_INCLUDE_EXCLUDE_PATTERNS, "COPY --parents")
        parent, pivot, pattern = src.partition("/./")
        if not pivot:
            parent, pattern = "/", src
        # as Docker's frontend: an absolute pattern stays as written, a relative one is cleaned
        pattern = pattern if posixpath.isabs(pattern) else clean_path("/" + pattern)
        include = (pattern.removeprefix("/"),)
        # Only a path without wildcards must exist (engines that can check it).
        literal = not _WILDCARD.search(parent) and not _WILDCARD.search(pattern)
        if literal and ctx.options.request.llb_caps.supports(caps.FILE_COPY_REQUIRED_PATHS):
            required = (clean_path(f"/{parent}/{pattern}"),)
        src = parent
    return Copy(
        source.output,
        clean_path("/" + src),
        plan.dest,
        mode=plan.mode,
        mode_str=plan.mode_str,
        owner=plan.owner,
        follow_symlink=True,
        dir_copy_contents=True,
        attempt_unpack=unpack,
        create_dest_path=True,
        allow_wildcard=True,
        allow_empty_wildcard=True,
        include_patterns=include,
        exclude_patterns=plan.excludes,
        required_paths=required,
    )


def _http_copy(ctx: StageContext, src: str, checksum: str, unpack: bool, plan: _Plan) -> Copy:
    if checksum:
        ctx.options.require_cap(caps.SOURCE_HTTP_CHECKSUM, "ADD --checksum")
        checksum = parse_digest(checksum)
    filename = url_filename(src)
    # Docker's frontend describes the download with the instruction before BuildKit 0.10,
    # with an empty command since.
    release = ctx.options.request.llb_caps.release
    described = plan.meta.description if release < (0, 10) else ((COMMAND_KEY, ""),)
    meta = OpMeta(name=plan.meta.name, description=described)
    http = llb.http(src, filename=filename, checksum=checksum, meta=meta)
    return Copy(
        http.output,
        "/" + filename,  # the Go client joins a relative source path to the source's "/"
        plan.dest,
        mode=plan.mode if release >= (0, 9) else -1,  # --chmod since 0.9
        mode_str=plan.mode_str,
        owner=plan.owner,
        attempt_unpack=unpack,
        create_dest_path=True,
        exclude_patterns=plan.excludes,
    )


def _git_copy(ctx: StageContext, node: ast.Add, git: GitRef, checksum: str, plan: _Plan) -> Copy:
    keep = node.keep_git_dir
    if keep is not None and git.keep_git_dir is not None and keep != git.keep_git_dir:
        raise DockerfileError("inconsistent keep-git-dir configuration")
    if git.keep_git_dir is not None:
        keep = git.keep_git_dir
    if checksum and git.checksum and checksum != git.checksum:
        raise DockerfileError(f"checksum mismatch {go_quote(checksum)} != {go_quote(git.checksum)}")
    check_git_caps(ctx, git, bool(keep), checksum or git.checksum)
    ref = replace(git, keep_git_dir=bool(keep), checksum=checksum or git.checksum, mtime="")
    state = git_source(ref, meta=OpMeta(name=plan.meta.name))
    return Copy(
        state.output,
        "/",
        plan.dest,
        mode=plan.mode,
        mode_str=plan.mode_str,
        owner=plan.owner,
        create_dest_path=True,
        exclude_patterns=plan.excludes,
    )


def check_git_caps(ctx: StageContext, git: GitRef, keep: bool, checksum: str) -> None:
    """Fail as an engine without a cap the git source needs would fail."""
    ctx.options.require_cap(caps.SOURCE_GIT, "ADD of a git repository")
    if git.subdir:
        ctx.options.require_cap(
            caps.SOURCE_GIT_SUBDIR, "a git subdirectory", "subdir not supported yet"
        )
    if keep:
        ctx.options.require_cap(caps.SOURCE_GIT_KEEP_GIT_DIR, "--keep-git-dir")
    if checksum:
        ctx.options.require_cap(caps.SOURCE_GIT_CHECKSUM, "a git checksum")
    if git.submodules is False:
        ctx.options.require_cap(caps.SOURCE_GIT_SKIP_SUBMODULES, "submodules=false")
    if git.fetch_by_commit:
        ctx.options.require_cap(caps.SOURCE_GIT_FETCH_BY_COMMIT, "fetch-by-commit")


def _git_ref(src: str) -> GitRef | None:
    """The repository an ADD source names; ``github.com/...`` is a path here, not a repo."""
    try:
        git = parse_git_ref(src)
    except GitRefError as exc:
        raise DockerfileError(str(exc)) from None
    return None if git is None or git.bare else git


def _inline_copy(ctx: StageContext, doc: ast.Heredoc, st: StageState, plan: _Plan) -> Copy:
    data = heredoc.body(doc)
    if doc.expand:
        try:
            data = heredoc.expand(data, st.llb.env)
        except WordError as exc:
            raise DockerfileError(str(exc)) from None
    document = llb.scratch(ctx.platform).file(
        Mkfile(f"/{doc.name}", raw_bytes(data)),
        meta=OpMeta(name="[internal] preparing inline document"),
    )
    return Copy(
        document.output,
        f"/{doc.name}",
        plan.dest,
        mode=plan.mode,
        mode_str=plan.mode_str,
        owner=plan.owner,
        create_dest_path=True,
        exclude_patterns=plan.excludes,
    )


def _linked(st: StageState, actions: list[Copy], meta: OpMeta, merge_name: str) -> llb.State:
    """``--link``: copy onto scratch, then merge that layer over the stage.

    Both ops share the step's progress group (its id derived from the step,
    so the output stays deterministic); the merge is named ``LINK ...``.
    """
    key = f"{meta.name}\0{meta.ranges}".encode()
    group = ProgressGroup(id=hashlib.sha256(key).hexdigest()[:25], name=meta.name, weak=True)
    layer = llb.scratch(st.llb.platform).file(*actions, meta=replace(meta, progress_group=group))
    merge_meta = replace(meta, name=merge_name, progress_group=replace(group, weak=False))
    return llb.merge([st.llb, layer], meta=merge_meta)
