"""Git references in ADD sources, read the way Docker's Dockerfile frontend reads them.

A source is a git reference when it is an ``http(s)://`` URL whose path ends
in ``.git``, a ``git://`` or ``ssh://`` URL, or an scp-like ``user@host:path``.
The fragment ``#ref[:subdir]`` and the query (``?ref=``, ``tag=``, ``branch=``,
``subdir=``, ``checksum=``/``commit=``, ``keep-git-dir``, ``submodules``,
``mtime``, ``fetch-by-commit``) select what to check out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, unquote, urlsplit

from frontend.errors import DockerfileError
from frontend.gotext import go_quote
from frontend.llb.state import clean_path

_SCHEME = re.compile(r"^([a-zA-Z0-9]+)://")
_SCP = re.compile(r"([a-zA-Z0-9_-]+)@([a-zA-Z0-9.-]+):(.*?)(?:\?(.*?))?(?:#(.*))?")
_GIT_SCHEMES = ("http", "https", "ssh", "git")
_FLAG_KEYS = ("submodules", "keep-git-dir", "fetch-by-commit")


@dataclass(frozen=True)
class GitRef:
    """What a git source names; ``None`` flags were not given."""

    remote: str
    """The URL git clones, without fragment or query."""
    scheme: str
    host: str
    path: str
    ref: str = ""
    subdir: str = ""
    checksum: str = ""
    keep_git_dir: bool | None = None
    submodules: bool | None = None
    mtime: str = ""
    fetch_by_commit: bool = False

    @property
    def identifier(self) -> str:
        """``host/path[#ref[:subdir]]``: the same for every transport to one repository."""
        ident = self.host + clean_path("/" + self.path)
        if self.ref or self.subdir:
            ident += "#" + self.ref + (":" + self.subdir if self.subdir else "")
        return ident


@dataclass(frozen=True)
class _Url:
    scheme: str
    host: str
    path: str
    query: list[tuple[str, str]]
    fragment: str
    remote: str


def parse(src: str) -> GitRef | None:
    """The git reference ``src`` names, or None when it is a path or plain URL.

    Raises ``DockerfileError`` for a git reference with a bad query.
    """
    if src.startswith(("./", "../", "github.com/")):
        return None  # github.com/x/y reads as a path in ADD
    url = _split(src)
    if url is None:
        return None
    if url.scheme in ("http", "https") and not url.path.endswith(".git"):
        return None
    ref, _, subdir = url.fragment.partition(":")
    ref = ref if url.fragment else ""
    git = GitRef(
        remote=url.remote,
        scheme=url.scheme,
        host=url.host,
        path=url.path,
        ref=ref,
        subdir=clean_path("/" + subdir).lstrip("/"),
    )
    return _apply_query(git, url.query) if url.query else git


def _split(src: str) -> _Url | None:
    scheme = _SCHEME.match(src)
    if scheme is not None:
        name = scheme.group(1).lower()
        if name not in _GIT_SCHEMES:
            return None
        try:
            parts = urlsplit(src)
            parts.port  # noqa: B018 - validates the port like Go's url.Parse
        except ValueError:
            return None
        remote = src.split("#", 1)[0].split("?", 1)[0]
        return _Url(
            scheme=name,
            host=parts.netloc.rpartition("@")[2],
            path=unquote(parts.path),
            query=parse_qsl(parts.query, keep_blank_values=True),
            fragment=unquote(parts.fragment),
            remote=remote,
        )
    scp = _SCP.fullmatch(src)
    if scp is None:
        return None
    user, host, path, query, fragment = scp.groups()
    return _Url(
        scheme="ssh",
        host=host,
        path=path,
        query=parse_qsl(query or "", keep_blank_values=True),
        fragment=fragment or "",
        remote=f"{user}@{host}:{path}",
    )


_GO_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_GO_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def _flag(key: str, value: str | None) -> bool:
    """A flag query value as Go's ``strconv.ParseBool`` reads it; no value means true."""
    if value is None or value in _GO_TRUE:
        return True
    if value in _GO_FALSE:
        return False
    raise DockerfileError(f"invalid {key} value: {go_quote(value)}")


def _pinned(kind: str, value: str, current: str) -> str:
    if current and current != value:
        raise DockerfileError(f"{kind} conflicts: {go_quote(current)} vs {go_quote(value)}")
    return value


def _single_values(query: list[tuple[str, str]]) -> dict[str, str | None]:
    """One value per key (None: a flag given without one)."""
    values: dict[str, list[str]] = {}
    for key, value in query:
        values.setdefault(key, []).append(value)
    out: dict[str, str | None] = {}
    for key in sorted(values):
        if len(values[key]) > 1:
            raise DockerfileError(f"query {go_quote(key)} has multiple values")
        value = values[key][0]
        if value == "" and key not in _FLAG_KEYS:
            raise DockerfileError(f"query {go_quote(key)} has no value")
        out[key] = value or None
    return out


def _apply_query(git: GitRef, query: list[tuple[str, str]]) -> GitRef:
    ref, tag, branch = git.ref, "", ""
    for key, value in _single_values(query).items():
        text = value or ""
        if key == "ref":
            ref = _pinned("ref", text, ref)
        elif key == "tag":
            tag = text
        elif key == "branch":
            branch = text
        elif key == "subdir":
            git = replace(git, subdir=_pinned("subdir", text, git.subdir))
        elif key in ("checksum", "commit"):
            git = replace(git, checksum=text)
        elif key == "keep-git-dir":
            git = replace(git, keep_git_dir=_flag(key, value))
        elif key == "submodules":
            git = replace(git, submodules=_flag(key, value))
        elif key == "fetch-by-commit":
            git = replace(git, fetch_by_commit=_flag(key, value))
        elif key == "mtime" and text in ("checkout", "commit"):
            git = replace(git, mtime=text)
        elif key == "mtime":
            raise DockerfileError(
                f'invalid mtime value: {go_quote(text)} (must be "checkout" or "commit")'
            )
        else:
            raise DockerfileError(f"unexpected query {go_quote(key)}")
    if tag:
        ref = _pinned("ref", tag if tag.startswith("refs/tags/") else "refs/tags/" + tag, ref)
    if branch:
        if tag:
            raise DockerfileError("branch conflicts with tag")
        full = branch if branch.startswith("refs/heads/") else "refs/heads/" + branch
        ref = _pinned("ref", full, ref)
    return replace(git, ref=ref)
