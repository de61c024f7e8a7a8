"""The OCI image config a stage builds up, and its JSON form for the exporter.

The exporter passes unknown keys through, so the JSON keys and emptiness rules
here are the ones Docker's own frontend writes.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import field, replace
from typing import Any

from frontend.compiler.imageformat import ImageFormat
from frontend.frozen import frozen
from frontend.gotext import go_json, go_json_time
from frontend.persistent import Chain, Vars, evolve
from frontend.platform import Platform, default_path

HISTORY_COMMENT = "buildkit.dockerfile.v0"


@frozen
class Healthcheck:
    """The image config's health check (durations in nanoseconds)."""

    test: tuple[str, ...] = ()
    interval: int = 0
    timeout: int = 0
    start_period: int = 0
    start_interval: int = 0
    retries: int = 0


@frozen
class Config:
    """The ``config`` object of an image (container defaults)."""

    user: str = ""
    exposed_ports: Collection[str] = ()
    """Keys of ``ExposedPorts`` (written sorted)."""
    env: Vars[str, str] = field(default_factory=Vars)
    """``K=V`` entries by key, in order (``env_entries`` lists them)."""
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    volumes: Collection[str] = ()
    """Keys of ``Volumes`` (written sorted)."""
    working_dir: str = ""
    labels: Mapping[str, str] | None = None
    stop_signal: str = ""
    healthcheck: Healthcheck | None = None
    args_escaped: bool = False
    on_build: tuple[str, ...] | None = None
    stop_timeout: int | None = None
    shell: tuple[str, ...] = ()


@frozen
class History:
    """One entry of the image config's history."""

    created_by: str
    empty_layer: bool
    comment: str = HISTORY_COMMENT
    created: str = ""
    """RFC 3339 time; empty leaves it to the exporter (the build's time)."""


HistoryEntry = History | Mapping[str, Any]
"""One history entry: this build's, or a base image's as its config lists it."""


@frozen
class Image:
    """An image config: platform, container config, rootfs and history."""

    os: str
    architecture: str
    variant: str = ""
    os_version: str = ""
    os_features: tuple[str, ...] = ()
    author: str = ""
    config: Config = field(default_factory=Config)
    diff_ids: tuple[str, ...] = ()
    history: Chain[HistoryEntry] = field(default_factory=Chain)
    created: str = ""
    """RFC 3339 time; empty leaves it to the exporter."""

    def with_config(self, **changes: Any) -> Image:
        return evolve(self, config=evolve(self.config, **changes))

    def commit(self, created_by: str, *, layer: bool, **config: Any) -> Image:
        """Record one instruction in the history (and the ``config`` changes it makes)."""
        history = self.history.append(History(created_by, not layer))
        if config:
            return evolve(self, history=history, config=evolve(self.config, **config))
        return evolve(self, history=history)

    @property
    def is_scratch(self) -> bool:
        """No layers at all (config-only images are treated like scratch)."""
        if self.diff_ids:
            return False
        return all(
            h.empty_layer if isinstance(h, History) else bool(h.get("empty_layer"))
            for h in self.history
        )

    def to_json(self, fmt: ImageFormat | None = None) -> bytes:
        """The config as the built-in frontend of ``fmt``'s release line writes it."""
        fmt = fmt or ImageFormat()
        body = _docker_spec_image(self) if fmt.docker_spec else _legacy_image(self, fmt)
        return go_json(body, indent=None, go121=fmt.old_go).encode()


def at_epoch(image: Image, seconds: int) -> Image:
    """``SOURCE_DATE_EPOCH``: the image, and the history this build wrote, dated ``seconds``."""
    stamp = go_json_time(seconds)
    history = Chain(
        replace(h, created=stamp) if isinstance(h, History) and not h.created else h
        for h in image.history
    )
    return replace(image, created=stamp, history=history)


def empty_image(platform: Platform, fmt: ImageFormat | None = None) -> Image:
    """What ``FROM scratch`` starts from."""
    return Image(
        os=platform.os,
        architecture=platform.architecture,
        variant=platform.variant,
        config=Config(
            env=env_vars(default_env(platform.os, fmt or ImageFormat())), working_dir="/"
        ),
    )


def default_env(os_name: str, fmt: ImageFormat) -> tuple[str, ...]:
    """The PATH a config without one gets (none for Windows, since BuildKit v0.22)."""
    if os_name == "windows" and fmt.windows_leaves_path:
        return ()
    return (f"PATH={default_path(os_name)}",)


def env_key(entry: str) -> str:
    return entry.split("=", 1)[0]


def env_vars(entries: Iterable[str]) -> Vars[str, str]:
    """A config's ``Env`` entries, by key."""
    return Vars((env_key(entry), entry) for entry in entries)


def env_entries(config: Config) -> tuple[str, ...]:
    """A config's ``Env``: ``K=V`` entries in order."""
    return tuple(entry for _, entry in config.env.items_tuple())


def set_env(env: Vars[str, str], key: str, value: str) -> Vars[str, str]:
    """Replace ``key`` in place, or append it."""
    return env.set(key, f"{key}={value}", in_place=True)


def _history_entries(entries: Any) -> Chain[HistoryEntry]:
    if not isinstance(entries, list) or not all(isinstance(h, dict) for h in entries):
        raise ValueError("history is not a list of objects")
    return Chain(entries)


def image_from_json(data: bytes) -> Image:
    """Read a base image's config; fields Docker's frontend ignores are dropped."""
    return image_from_dict(json.loads(data or b"{}"))


def image_from_dict(raw: Any) -> Image:
    """``image_from_json`` of the config already decoded."""
    if not isinstance(raw, dict):
        raise ValueError("image config is not a JSON object")
    c = raw.get("config") or {}
    hc = c.get("Healthcheck")
    return Image(
        os=raw.get("os") or "",
        architecture=raw.get("architecture") or "",
        variant=raw.get("variant") or "",
        os_version=raw.get("os.version") or "",
        os_features=tuple(raw.get("os.features") or ()),
        author=raw.get("author") or "",
        config=Config(
            user=c.get("User") or "",
            exposed_ports=tuple(sorted(c.get("ExposedPorts") or {})),
            env=env_vars(c.get("Env") or ()),
            entrypoint=tuple(c["Entrypoint"]) if c.get("Entrypoint") else None,
            cmd=tuple(c["Cmd"]) if c.get("Cmd") else None,
            volumes=tuple(sorted(c.get("Volumes") or {})),
            working_dir=c.get("WorkingDir") or "",
            labels=dict(c["Labels"]) if c.get("Labels") else None,
            stop_signal=c.get("StopSignal") or "",
            healthcheck=Healthcheck(
                test=tuple(hc.get("Test") or ()),
                interval=hc.get("Interval") or 0,
                timeout=hc.get("Timeout") or 0,
                start_period=hc.get("StartPeriod") or 0,
                start_interval=hc.get("StartInterval") or 0,
                retries=hc.get("Retries") or 0,
            )
            if isinstance(hc, dict)
            else None,
            args_escaped=bool(c.get("ArgsEscaped")),
            on_build=tuple(c["OnBuild"]) if c.get("OnBuild") else None,
            stop_timeout=c.get("StopTimeout"),
            shell=tuple(c.get("Shell") or ()),
        ),
        diff_ids=tuple((raw.get("rootfs") or {}).get("diff_ids") or ()),
        history=Chain(_history_entries(raw.get("history") or [])),
    )


def _omit_empty(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return {k: v for k, v in pairs if v not in (None, "", 0, False, [], {})}


def _health_to_go(hc: Healthcheck) -> dict[str, Any]:
    return _omit_empty(
        [
            ("Test", list(hc.test)),
            ("Interval", hc.interval),
            ("Timeout", hc.timeout),
            ("StartPeriod", hc.start_period),
            ("StartInterval", hc.start_interval),
            ("Retries", hc.retries),
        ]
    )


def _oci_config(c: Config) -> list[tuple[str, Any]]:
    """The fields of the OCI image spec's ``ImageConfig``, in its order."""
    return [
        ("User", c.user),
        ("ExposedPorts", {p: {} for p in sorted(c.exposed_ports)}),
        ("Env", list(env_entries(c))),
        ("Entrypoint", list(c.entrypoint) if c.entrypoint else None),
        ("Cmd", list(c.cmd) if c.cmd else None),
        ("Volumes", {v: {} for v in sorted(c.volumes)}),
        ("WorkingDir", c.working_dir),
        ("Labels", dict(sorted(c.labels.items())) if c.labels else None),
        ("StopSignal", c.stop_signal),
    ]


def _history_entry(h: History) -> dict[str, Any]:
    return _omit_empty(
        [
            ("created", h.created),
            ("created_by", h.created_by),
            ("comment", h.comment),
            ("empty_layer", h.empty_layer),
        ]
    )


def _legacy_image(img: Image, fmt: ImageFormat) -> dict[str, Any]:
    """The frontend's own image type (up to BuildKit v0.12): ``OnBuild`` always
    written, ``StopTimeout`` kept, ``variant`` last."""
    c = img.config
    config = _omit_empty(_oci_config(c))
    if c.args_escaped and fmt.args_escaped_first:
        config["ArgsEscaped"] = True
    if c.healthcheck is not None:  # a pointer in Go: kept even when all its fields are empty
        config["Healthcheck"] = _health_to_go(c.healthcheck)
    if c.args_escaped and not fmt.args_escaped_first:
        config["ArgsEscaped"] = True
    config["OnBuild"] = list(c.on_build) if c.on_build else None
    if c.stop_timeout is not None:
        config["StopTimeout"] = c.stop_timeout
    if c.shell:
        config["Shell"] = list(c.shell)
    out: dict[str, Any] = {}
    if img.created:
        out["created"] = img.created
    if img.author:
        out["author"] = img.author
    out["architecture"] = img.architecture
    out["os"] = img.os
    out["rootfs"] = {"type": "layers", "diff_ids": list(img.diff_ids)}
    history = [_history_entry(h) if isinstance(h, History) else dict(h) for h in img.history]
    if history:
        out["history"] = history
    out["config"] = config
    if img.variant:
        out["variant"] = img.variant
    return out


def _docker_spec_image(img: Image) -> dict[str, Any]:
    """moby's ``DockerOCIImage`` (BuildKit v0.13 on): the OCI image with Docker's
    config fields; the frontend never dates the image itself."""
    c = img.config
    config = _omit_empty([*_oci_config(c), ("ArgsEscaped", c.args_escaped)])
    if c.healthcheck is not None:
        config["Healthcheck"] = _health_to_go(c.healthcheck)
    config.update(_omit_empty([("OnBuild", list(c.on_build or ())), ("Shell", list(c.shell))]))
    out: dict[str, Any] = {}
    if img.author:
        out["author"] = img.author
    out["architecture"] = img.architecture
    out["os"] = img.os
    out.update(
        _omit_empty(
            [
                ("os.version", img.os_version),
                ("os.features", list(img.os_features)),
                ("variant", img.variant),
            ]
        )
    )
    out["rootfs"] = {"type": "layers", "diff_ids": list(img.diff_ids) or None}
    history = [
        _history_entry(h) if isinstance(h, History) else _base_history_entry(h) for h in img.history
    ]
    if history:
        out["history"] = history
    out["config"] = config
    return out


_HISTORY_KEYS = ("created", "created_by", "author", "comment", "empty_layer")


def _base_history_entry(h: Mapping[str, Any]) -> dict[str, Any]:
    """A base image's history entry as Go re-reads and writes it: known keys only."""
    return _omit_empty([(k, h.get(k)) for k in _HISTORY_KEYS])
