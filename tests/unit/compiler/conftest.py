"""Compile Dockerfile text with a dict-backed image resolver."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from frontend.compiler.convert import CompileResult, compile_dockerfile
from frontend.compiler.options import BuildOptions
from frontend.compiler.request import BuildRequest
from frontend.platform import Platform
from frontend.syntax import parse

AMD64 = Platform("linux", "amd64")


def image_config(**config: object) -> bytes:
    return json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": config,
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "1" * 64]},
        }
    ).encode()


@dataclass
class Resolver:
    """Answers from ``configs`` (default: a plain one-layer image) and records calls."""

    configs: dict[str, bytes] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def __call__(
        self, ref: str, *, platform: Platform, resolve_mode: str, log_name: str
    ) -> tuple[str, bytes]:
        self.calls.append(ref)
        return "sha256:" + "d" * 64, self.configs.get(ref, image_config())


Compile = Callable[..., CompileResult]


@pytest.fixture
def resolver() -> Resolver:
    return Resolver()


@pytest.fixture
def compile_text(resolver: Resolver) -> Compile:
    def run(text: str, **options: object) -> CompileResult:
        opts = BuildOptions(BuildRequest(build_platform=AMD64, **options), AMD64)  # type: ignore[arg-type]
        return compile_dockerfile(parse(text), opts, resolver)

    return run
