"""Git references as Docker writes them, and the LLB source that fetches one.

A reference names a repository and, optionally, what to take from it:

- ``git://host/path``, ``ssh://[user@]host[:port]/path``, ``http(s)://host/path.git``
  (an HTTP URL is a repository only when its path ends in ``.git``),
  ``user@host:path`` (scp-like ssh), and ``github.com/owner/repo`` (fetched over
  HTTPS);
- a fragment ``#ref``, ``#ref:subdir`` or ``#:subdir``: a branch, tag or commit,
  and a directory of the checkout to use as the root;
- a query (BuildKit's newer form): ``ref``, ``tag``, ``branch``, ``subdir``,
  ``checksum``/``commit``, ``keep-git-dir``, ``submodules``, ``mtime`` and
  ``fetch-by-commit``, e.g. ``https://host/r.git?tag=v1&subdir=docs``.

The source identifier is ``git://`` + host + cleaned path (scheme, user and
query dropped, so every transport of one repository shares a key), then
``#ref[:subdir]``; the URL git really fetches goes in ``git.fullurl``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib import parse as urlparse

from frontend.frozen import frozen
from frontend.gotext import clean_path, go_bool, go_quote
from frontend.llb import caps
from frontend.llb.graph import OpMeta, Output, SourceOp
from frontend.llb.state import NO_META, State

AUTH_TOKEN_SECRET = "GIT_AUTH_TOKEN"
AUTH_HEADER_SECRET = "GIT_AUTH_HEADER"

_SCHEMES = ("http", "https", "ssh", "git")
_PROTO = re.compile(r"[a-zA-Z0-9]+://")
_URL = r"(?s)([a-zA-Z0-9]+)://([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#(.*))?\Z"
_SCP = re.compile(r"([a-zA-Z0-9\-_]+)@([a-zA-Z0-9\-.]+):(.*?)(?:\?(.*?))?(?:#(.*))?\Z")
_BAD_ESCAPE = r"%(?![0-9a-fA-F]{2})"
_CONTROL = r"[\x00-\x1f\x7f]"
_PORT = r"[0-9]*"
_VALUELESS = ("submodules", "keep-git-dir", "fetch-by-commit")


class GitRefError(ValueError):
    """The text is a Git reference, but its options are malformed."""


@frozen
class GitRef:
    """A repository and what to take from it."""

    remote: str
    """The URL git fetches: no fragment, no query (``github.com/...`` gains ``https://``)."""
    host: str
    path: str
    ref: str = ""
    """A branch, tag or commit; empty for the engine's default."""
    subdir: str = ""
    """A directory of the checkout, relative and cleaned; empty for the root."""
    keep_git_dir: bool | None = None
    checksum: str = ""
    submodules: bool | None = None
    mtime: str = ""
    fetch_by_commit: bool = False
    ssh: bool = False
    bare: bool = False
    """Written ``github.com/...``: indistinguishable from a local path (contexts only)."""

    @property
    def identifier(self) -> str:
        """The source identifier: ``git://host/path[#ref[:subdir]]``."""
        ident = "git://" + self.host + clean_path("/" + self.path)
        if self.ref or self.subdir:
            ident += "#" + self.ref + (":" + self.subdir if self.subdir else "")
        return ident

    def required_caps(self) -> tuple[str, ...]:
        """The LLB caps the engine needs to fetch this reference as asked."""
        needed = [caps.SOURCE_GIT, caps.SOURCE_GIT_FULL_URL]
        for cap, wanted in (
            (caps.SOURCE_GIT_KEEP_GIT_DIR, self.keep_git_dir is True),
            (caps.SOURCE_GIT_KNOWN_SSH_HOSTS, self.ssh),
            (caps.SOURCE_GIT_MOUNT_SSH_SOCK, self.ssh),
            (caps.SOURCE_GIT_SUBDIR, bool(self.subdir)),
            (caps.SOURCE_GIT_CHECKSUM, bool(self.checksum)),
            (caps.SOURCE_GIT_SKIP_SUBMODULES, self.submodules is False),
            (caps.SOURCE_GIT_MTIME, bool(self.mtime)),
            (caps.SOURCE_GIT_FETCH_BY_COMMIT, self.fetch_by_commit),
        ):
            if wanted:
                needed.append(cap)
        return tuple(needed)


def parse_git_ref(text: str) -> GitRef | None:
    """``text`` as a Git reference, or None when it does not name a repository.

    Raises GitRefError for a reference with malformed query options.
    """
    if text.startswith(("./", "../")):
        return None
    if text.startswith("github.com/"):
        parsed = _split_url("https://" + text)
        if parsed is None:
            return None
        return _with_query(replace(parsed[0], bare=True), parsed[1])
    if proto := _PROTO.match(text):  # (compiled: every COPY source is tried)
        if proto.group()[:-3].lower() not in _SCHEMES:
            return None
        parsed = _split_url(text)
        if parsed is None:
            return None
        ref, query = parsed
        if ref.remote.split(":", 1)[0] in ("http", "https") and not ref.path.endswith(".git"):
            return None
        return _with_query(ref, query)
    scp = _SCP.match(text)
    if scp is None:
        return None
    user, host, path, raw_query, fragment = scp.groups()
    options = _parse_query(raw_query or "", strict=True)
    if options is None:
        return None
    scp_ref = GitRef(remote=f"{user}@{host}:{path}", host=host, path=path, ssh=True)
    return _with_query(_with_fragment(scp_ref, fragment or ""), options)


def is_git_ref(text: str) -> bool:
    """Whether ``text`` names a Git repository (even with malformed options)."""
    try:
        return parse_git_ref(text) is not None
    except GitRefError:
        return True


def git_source(ref: GitRef, *, meta: OpMeta = NO_META) -> State:
    """The git source that checks ``ref`` out (without ``.git`` unless it keeps it)."""
    attrs = {
        "git.fullurl": ref.remote,
        "git.authtokensecret": AUTH_TOKEN_SECRET,
        "git.authheadersecret": AUTH_HEADER_SECRET,
    }
    if ref.keep_git_dir:
        attrs["git.keepgitdir"] = "true"
    if ref.ssh:
        # Docker's client adds the host's keys (ssh-keyscan) when it can reach it;
        # the engine then trusts whatever key the host presents.
        attrs["git.mountsshsock"] = "default"
    if ref.checksum:
        attrs["git.checksum"] = ref.checksum
    if ref.submodules is False:
        attrs["git.skipsubmodules"] = "true"
    if ref.mtime:
        attrs["git.mtime"] = ref.mtime
    if ref.fetch_by_commit:
        attrs["git.fetchbycommit"] = "true"
    op = SourceOp(ref.identifier, attrs=tuple(sorted(attrs.items())), meta=meta)
    return State(output=Output(op))


def git(
    url: str,
    *,
    ref: str = "",
    subdir: str = "",
    keep_git_dir: bool = False,
    checksum: str = "",
    meta: OpMeta = NO_META,
) -> State:
    """A checkout of the repository ``url`` (``https://host/repo.git``,
    ``git@host:repo``, ``ssh://...``, ``github.com/owner/repo``; with
    ``#ref:subdir`` or a query such as ``?tag=v1``); ``ref``, ``subdir`` and the
    rest override what the URL says.
    ``ValueError`` when ``url`` names no repository or its options are malformed."""
    parsed = parse_git_ref(url)
    if parsed is None:
        raise ValueError(f"not a Git repository: {go_quote(url)}")
    parsed = replace(
        parsed,
        ref=ref or parsed.ref,
        subdir=_clean_subdir(subdir) if subdir else parsed.subdir,
        keep_git_dir=True if keep_git_dir else parsed.keep_git_dir,
        checksum=checksum or parsed.checksum,
    )
    return git_source(parsed, meta=meta)


# -- parsing helpers ---------------------------------------------------------


def _split_url(text: str) -> tuple[GitRef, dict[str, list[str]]] | None:
    """A ``scheme://`` URL as Go's ``url.Parse`` reads it; None where that fails."""
    match = re.match(_URL, text)
    if match is None:
        return None
    scheme, authority, raw_path, raw_query, fragment = match.groups()
    head = text.split("#", 1)[0]
    if (
        re.search(_CONTROL, head)
        or re.search(_BAD_ESCAPE, raw_path)
        or re.search(_BAD_ESCAPE, fragment or "")
    ):
        return None
    host = authority.rpartition("@")[2]
    if not re.fullmatch(_PORT, host.rpartition("]")[2].partition(":")[2]):
        return None
    scheme = scheme.lower()
    ref = GitRef(
        remote=f"{scheme}://{authority}{raw_path}",
        host=host,
        path=urlparse.unquote(raw_path),
        ssh=scheme == "ssh",
    )
    query = _parse_query(raw_query or "", strict=False)
    assert query is not None
    return _with_fragment(ref, urlparse.unquote(fragment or "")), query


def _with_fragment(ref: GitRef, fragment: str) -> GitRef:
    """``#ref[:subdir]``; the subdir is cleaned and made relative."""
    if not fragment:
        return ref
    name, _, subdir = fragment.partition(":")
    return replace(ref, ref=name, subdir=_clean_subdir(subdir))


def _clean_subdir(subdir: str) -> str:
    return clean_path("/" + subdir).lstrip("/")


def _parse_query(text: str, *, strict: bool) -> dict[str, list[str]] | None:
    """Go's ``url.ParseQuery``: bad pairs are dropped, or (``strict``) fail the whole."""
    values: dict[str, list[str]] = {}
    for pair in text.split("&"):
        if ";" in pair or re.search(_BAD_ESCAPE, pair):
            if strict:
                return None
            continue
        if not pair:
            continue
        key, _, value = pair.partition("=")
        values.setdefault(urlparse.unquote_plus(key), []).append(urlparse.unquote_plus(value))
    return values


def _with_query(ref: GitRef, query: dict[str, list[str]]) -> GitRef:
    """Apply BuildKit's query options; they must agree with the fragment."""
    tag = branch = ""
    for key, values in query.items():
        if len(values) > 1:
            raise GitRefError(f"query {go_quote(key)} has multiple values")
        value: str | None = values[0] if values else ""
        if value == "":
            if key not in _VALUELESS:
                raise GitRefError(f"query {go_quote(key)} has no value")
            value = None
        if key == "ref":
            ref = replace(ref, ref=_agree("ref", ref.ref, value or ""))
        elif key == "tag":
            tag = value or ""
        elif key == "branch":
            branch = value or ""
        elif key == "subdir":
            ref = replace(ref, subdir=_agree("subdir", ref.subdir, value or ""))
        elif key in ("checksum", "commit"):
            ref = replace(ref, checksum=value or "")
        elif key == "keep-git-dir":
            ref = replace(ref, keep_git_dir=_flag(key, value))
        elif key == "submodules":
            ref = replace(ref, submodules=_flag(key, value))
        elif key == "fetch-by-commit":
            ref = replace(ref, fetch_by_commit=_flag(key, value))
        elif key == "mtime":
            if value not in ("checkout", "commit"):
                raise GitRefError(
                    f'invalid mtime value: {go_quote(value or "")} (must be "checkout" or "commit")'
                )
            ref = replace(ref, mtime=value)
        else:
            raise GitRefError(f"unexpected query {go_quote(key)}")
    if tag:
        ref = replace(ref, ref=_agree("ref", ref.ref, _prefixed("refs/tags/", tag)))
    if branch:
        if tag:
            raise GitRefError("branch conflicts with tag")
        ref = replace(ref, ref=_agree("ref", ref.ref, _prefixed("refs/heads/", branch)))
    return ref


def _agree(what: str, current: str, new: str) -> str:
    if current and current != new:
        raise GitRefError(f"{what} conflicts: {go_quote(current)} vs {go_quote(new)}")
    return new


def _prefixed(prefix: str, name: str) -> str:
    return name if name.startswith(prefix) else prefix + name


def _flag(key: str, value: str | None) -> bool:
    if value is None:
        return True
    try:
        return go_bool(value)
    except ValueError:
        raise GitRefError(f"invalid {key} value: {go_quote(value)}") from None
