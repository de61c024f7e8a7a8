"""Named build contexts: ``context:NAME[::os/arch]`` options that stand in for an
image, a stage or a ``--from`` source, as Docker's frontend reads them.

A value is ``docker-image://REF``, ``oci-layout://STORE@DIGEST``, ``local:NAME``
(a directory the client syncs), ``input:NAME`` (a frontend input), or a Git or
HTTP(S) URL. What loading one reads from the engine (image configs, the
``.dockerignore`` of a local directory, the inputs) goes through the injected
resolver and :class:`ContextReader`, so this module stays pure.
"""

from __future__ import annotations

import base64
import binascii
import json
import posixpath
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

from frontend import reference
from frontend.compiler.dockerignore import parse_dockerignore
from frontend.compiler.image import Image, env_entries, image_from_json
from frontend.compiler.options import BuildOptions
from frontend.errors import DockerfileError
from frontend.frozen import frozen
from frontend.llb import state as llb
from frontend.llb.git import GitRefError, git_source, parse_git_ref
from frontend.llb.graph import Deferred, OpMeta, Output, SourceOp
from frontend.llb.imported import definition_output
from frontend.llb.marshal import Definition, marshal
from frontend.platform import Platform
from frontend.semantics.scope import split_env

DOCKERIGNORE = ".dockerignore"
IMAGE_CONFIG_KEY = "containerimage.config"
_NOT_CONTEXTS = ("scratch", "context")
_MAX_REDIRECTS = 10


class ImageResolver(Protocol):
    """Fetches a base image's config: returns ``(manifest digest, config JSON)``."""

    def __call__(
        self, ref: str, *, platform: Platform, resolve_mode: str, log_name: str
    ) -> tuple[str, bytes]: ...


class ResolvedToNonImage(DockerfileError):
    """A source policy turned an image reference into another source (``updated``,
    such as ``local://dir``): a named context then loads that source instead."""

    def __init__(self, message: str, updated: str) -> None:
        super().__init__(message)
        self.updated = updated


class ContextReader(Protocol):
    """What named contexts read from the engine besides registry image configs."""

    def read_file(self, definition: Definition, path: str) -> bytes | None:
        """Solve ``definition`` and read ``path`` of its result (None if missing)."""
        ...

    def inputs(self) -> Mapping[str, Definition]:
        """The frontend inputs the client passed, by name."""
        ...

    def oci_layout_config(
        self, ref: str, *, store_id: str, platform: Platform, log_name: str
    ) -> tuple[str, bytes]:
        """``(manifest digest, config JSON)`` of ``ref`` in the client's OCI layout store."""
        ...


@frozen
class NamedContext:
    """A ``context:`` option found for a name."""

    name: str
    """The familiar name (``alpine``, ``ghcr.io/a/b:1``, a stage name)."""
    key: str
    """The option's key: ``name`` or ``name::os/arch``."""
    value: str
    redirects: int = 0
    """How many source policies rewrote the value before (a cycle stops at 10)."""


@frozen
class LocalUse:
    """A local directory context whose synced paths are known only after lowering."""

    vertex: Deferred
    name: str
    key: str
    session_id: str
    excludes: tuple[str, ...]

    def bind(self, paths: Iterable[str]) -> None:
        """Choose the source: only ``paths`` (absolute) are synced, all if ``/`` is one."""
        wanted = set(paths)
        follow = None if not wanted or "/" in wanted else sorted(_relative(p) for p in wanted)
        state = llb.local(
            self.name,
            session_id=self.session_id,
            shared_key_hint=f"context:{self.key}",
            follow_paths=follow,
            exclude_patterns=self.excludes,
            meta=OpMeta(name=f"[context {self.key}] load from client"),
        )
        assert state.output is not None
        self.vertex.bind(state.output.vertex)


@frozen
class Loaded:
    """A loaded named context: its filesystem and, for images, its config."""

    state: llb.State
    image: Image | None = None
    local: LocalUse | None = None


def context_name(ref: str) -> str:
    """The key a reference is looked up by: its familiar form without ``:latest``."""
    try:
        full = reference.normalize(ref)
    except reference.ReferenceError as exc:
        raise DockerfileError(f"invalid context name {ref}: {exc}") from None
    official = full.removeprefix("docker.io/library/")
    if official != full and "/" not in official.partition("@")[0]:
        full = official
    else:
        full = full.removeprefix("docker.io/")
    return full.removesuffix(":latest")


def find_context(contexts: Mapping[str, str], name: str, platform: Platform) -> NamedContext | None:
    """The ``context:`` option for ``name`` (``name::platform`` first), if any."""
    if not contexts or name.lower() in _NOT_CONTEXTS:
        return None
    familiar = context_name(name)
    for key in (f"{familiar}::{platform}", familiar):
        if key in contexts:
            return NamedContext(familiar, key, contexts[key])
    return None


@dataclass
class ContextLoader:
    """Loads named contexts for one compile (a directory's ``.dockerignore`` is read once)."""

    options: BuildOptions
    resolve: ImageResolver
    reader: ContextReader | None = None
    _excludes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def find(self, name: str, platform: Platform) -> NamedContext | None:
        return find_context(self.options.request.named_contexts, name, platform)

    def load(self, found: NamedContext, platform: Platform) -> Loaded:
        """The state (and image config) ``found`` names, for ``platform``."""
        kind, sep, rest = found.value.partition(":")
        if not sep:
            raise DockerfileError(f"invalid context specifier {found.value} for {found.key}")
        if kind.startswith("git@"):
            kind = "git"
        loaders: dict[str, Callable[[NamedContext, str, Platform], Loaded]] = {
            "docker-image": self._docker_image,
            "git": self._git,
            "http": self._http,
            "https": self._http,
            "oci-layout": self._oci_layout,
            "local": self._local,
            "input": self._input,
        }
        if kind not in loaders:
            raise DockerfileError(f"unsupported context source {kind} for {found.key}")
        return loaders[kind](found, rest, platform)

    def _docker_image(self, found: NamedContext, rest: str, platform: Platform) -> Loaded:
        ref = rest.removeprefix("//")
        if ref == "scratch":
            return Loaded(llb.scratch())
        try:
            normalized = reference.normalize(ref)
        except reference.ReferenceError as exc:
            raise DockerfileError(str(exc)) from None
        try:
            _, config = self.resolve(
                normalized,
                platform=platform,
                resolve_mode=self.options.request.image_resolve_mode,
                log_name=f"[context {found.key}] load metadata for {ref}",
            )
        except ResolvedToNonImage as exc:
            return self.load(_redirected(found, exc.updated), platform)
        image = _image(config, found.key)
        meta = OpMeta(name=f"[context {found.key}] {ref}")
        state = llb.image(normalized, platform=platform, meta=meta)
        return Loaded(with_image_config(state, image), image)

    def _git(self, found: NamedContext, rest: str, platform: Platform) -> Loaded:
        state = self._git_state(found.value)
        if state is None:
            raise DockerfileError(f"invalid git context {found.value}")
        return Loaded(state)

    def _http(self, found: NamedContext, rest: str, platform: Platform) -> Loaded:
        state = self._git_state(found.value)
        if state is None:
            meta = OpMeta(name=f"[context {found.key}] {found.value}")
            state = llb.State(output=Output(SourceOp(found.value, meta=meta)))
        return Loaded(state)

    @staticmethod
    def _git_state(value: str) -> llb.State | None:
        try:
            repository = parse_git_ref(value)
        except GitRefError as exc:
            raise DockerfileError(f"invalid git context {value}: {exc}") from None
        if repository is None:
            return None
        return git_source(repository, meta=OpMeta(name=f"[internal] load git source {value}"))

    def _oci_layout(self, found: NamedContext, rest: str, platform: Platform) -> Loaded:
        spec = rest.removeprefix("//")
        store, at, digest = spec.partition("@")
        if not at:
            raise DockerfileError(f"oci-layout reference {spec!r} has no digest")
        store_id = store.rpartition(":")[0] if ":" in store.rpartition("/")[2] else store
        if not store_id:
            raise DockerfileError(f"oci-layout reference {spec!r} has no name")
        try:
            named = reference.normalize(found.name)
            if ":" not in found.name.rpartition("/")[2]:
                named = named.removesuffix(":latest")
            dummy = reference.with_digest(named, digest)
        except reference.ReferenceError as exc:
            raise DockerfileError(
                f"could not parse oci-layout reference {found.name!r}: {exc}"
            ) from None
        reader = self._reader(found)
        _, config = reader.oci_layout_config(
            dummy,
            store_id=store_id,
            platform=platform,
            log_name=f"[context {found.key}] load metadata for {dummy}",
        )
        image = _image(config, found.key)
        attrs = (("oci.session", self.options.request.session_id), ("oci.store", store_id))
        op = SourceOp(
            f"oci-layout://{dummy}",
            attrs=tuple((k, v) for k, v in attrs if v),
            platform=platform,
            meta=OpMeta(name=f"[context {found.key}] OCI load from client"),
        )
        state = llb.State(output=Output(op), platform=platform)
        return Loaded(with_image_config(state, image), image)

    def _local(self, found: NamedContext, name: str, platform: Platform) -> Loaded:
        session = self.options.request.local_session(name)
        if found.key not in self._excludes:
            probe = llb.local(
                name,
                session_id=session,
                shared_key_hint=f"context:{found.key}-{DOCKERIGNORE}",
                follow_paths=[DOCKERIGNORE],
                differ_none=True,
                meta=OpMeta(name=f"[context {found.key}] load {DOCKERIGNORE}"),
            )
            data = self._reader(found).read_file(marshal(probe.output), DOCKERIGNORE)
            self._excludes[found.key] = parse_dockerignore(data) if data else ()
        use = LocalUse(Deferred(), name, found.key, session, self._excludes[found.key])
        return Loaded(llb.State(output=Output(use.vertex)), local=use)

    def _input(self, found: NamedContext, name: str, platform: Platform) -> Loaded:
        definition = self._reader(found).inputs().get(name)
        if definition is None:
            raise DockerfileError(f"invalid input {name} for {found.key}")
        try:
            state = llb.State(output=definition_output(definition))
        except ValueError as exc:
            raise DockerfileError(f"input {name} for {found.key}: {exc}") from None
        raw = self.options.request.input_metadata.get(name)
        if raw is None:
            return Loaded(state)
        config = _input_config(raw, found.key)
        if config is None:
            return Loaded(state)
        image = _image(config, found.key)
        return Loaded(with_image_config(state, image), image)

    def _reader(self, found: NamedContext) -> ContextReader:
        if self.reader is None:
            raise DockerfileError(
                f"named context {found.key} ({found.value}) needs the engine to load it"
            )
        return self.reader


def _redirected(found: NamedContext, updated: str) -> NamedContext:
    """``found`` loading ``updated`` (``scheme://rest``) instead, as ``scheme:rest``."""
    scheme, sep, rest = updated.partition("://")
    if not sep:
        raise DockerfileError(f"could not parse ref: {updated}")
    value = f"{scheme}:{rest}"
    if found.redirects >= _MAX_REDIRECTS:
        raise DockerfileError(
            "context recursion limit exceeded; this may indicate a cycle in the "
            f"provided source policies: {value}"
        )
    return replace(found, value=value, redirects=found.redirects + 1)


def with_image_config(state: llb.State, image: Image) -> llb.State:
    """The state's env, directory and platform taken from an image config."""
    for key, value in map(split_env, env_entries(image.config)):
        if key:
            state = state.with_env(key, value)
    state = state.with_dir(image.config.working_dir or "/")
    if image.os and image.architecture:
        state = replace(state, platform=Platform(image.os, image.architecture, image.variant))
    return state


def _image(config: bytes, key: str) -> Image:
    try:
        return image_from_json(config)
    except (ValueError, TypeError, AttributeError) as exc:
        raise DockerfileError(f"invalid image config for {key}: {exc}") from None


def _input_config(raw: str, key: str) -> bytes | None:
    """The image config in ``input-metadata`` JSON (a map of base64 values, as Go writes
    ``map[string][]byte``)."""
    try:
        entries = json.loads(raw)
        if not isinstance(entries, dict):
            raise ValueError("not a JSON object")
        value = entries.get(IMAGE_CONFIG_KEY)
        return None if value is None else base64.b64decode(value, validate=True)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise DockerfileError(f"failed to parse input metadata {raw}: {exc}") from None


def _relative(path: str) -> str:
    return posixpath.normpath(path.lstrip("/")) or "."
