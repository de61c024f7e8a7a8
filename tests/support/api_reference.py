"""Write ``docs/api.md``, the API reference, from the public names and their docstrings.

    python -m tests.support.api_reference > docs/api.md

A unit test compares the file with this output, so the reference follows the code.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import sys
from types import ModuleType
from typing import Any

import frontend.gateway
from frontend import llb

HEADER = """\
# API reference

The public names of the library: `frontend.llb` (the build graph) and
`frontend.gateway` (serving it). They follow semantic versioning (see the
[guide](library.md#versioning)); anything else in the package is internal.
This page is generated from the code: `python -m tests.support.api_reference > docs/api.md`.
"""


INTERNAL_METHODS = {"to_pb", "body", "inputs"}
"""Hooks the marshaller calls: not for users, so not listed."""


def _default(name: str, value: Any) -> str:
    if name == "mode" and isinstance(value, int) and value > 0:
        return oct(value)
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    plain = dataclasses.is_dataclass(value) and not isinstance(value, type)
    if plain and value == type(value)():
        return f"{type(value).__name__}()"
    return repr(value)


def _signature(obj: Any) -> str:
    sig = inspect.signature(obj)
    params = []
    for p in sig.parameters.values():
        if p.name == "self":
            continue
        text = p.name if p.kind is not p.VAR_POSITIONAL else f"*{p.name}"
        if p.annotation is not p.empty:
            text += f": {p.annotation}"
        if p.default is not p.empty:
            text += f" = {_default(p.name, p.default)}"
        params.append((p.kind, text))
    out: list[str] = []
    star = False
    for kind, text in params:
        if kind is inspect.Parameter.KEYWORD_ONLY and not star:
            out.append("*")
        star = star or kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.VAR_POSITIONAL)
        out.append(text)
    shown = sig.return_annotation not in (sig.empty, None, "None") or not isinstance(obj, type)
    ret = f" -> {sig.return_annotation}" if shown and sig.return_annotation is not sig.empty else ""
    return f"({', '.join(out)}){ret}"


def _doc(obj: Any) -> str:
    return inspect.cleandoc(obj.__doc__ or "").strip()


def _methods(cls: type) -> list[str]:
    lines = []
    for name, member in vars(cls).items():
        if name.startswith("_") or name.isupper() or name in INTERNAL_METHODS:
            continue
        if isinstance(member, property):
            lines.append(f"- `{name}` (property): {_first(member.fget)}")
        elif isinstance(member, classmethod | staticmethod):
            func = member.__func__
            lines.append(f"- `{name}{_signature(func)}`: {_first(func)}".replace("(cls, ", "("))
        elif inspect.isfunction(member):
            lines.append(f"- `{name}{_signature(member)}`: {_first(member)}")
    return lines


def _first(obj: Any) -> str:
    return " ".join(_doc(obj).split("\n\n")[0].split()) or "(undocumented)"


def _entry(module: ModuleType, name: str) -> list[str]:
    obj = getattr(module, name)
    lines = [f"### `{module.__name__}.{name}`", ""]
    if isinstance(obj, type) and issubclass(obj, enum.Enum):
        lines += [f"Enum: {', '.join(m.name for m in obj)}."]
    elif isinstance(obj, type) and obj.__module__.startswith("frontend.pb"):
        lines += [f"The protobuf message `pb.{obj.__qualname__}` (BuildKit's `solver/pb`)."]
    elif isinstance(obj, type):
        kind = "dataclass" if dataclasses.is_dataclass(obj) else "class"
        bases = [b for b in obj.__bases__ if b is not object]
        base = f" (a subclass of {', '.join(b.__name__ for b in bases)})" if bases else ""
        lines += [f"{kind} `{name}{_signature(obj)}`{base}", "", _doc(obj)]
        lines += ["", *_methods(obj)] if _methods(obj) else []
    elif inspect.isfunction(obj):
        lines += [f"`{name}{_signature(obj)}`", "", _doc(obj)]
    else:
        lines += [f"Type alias: `{_alias(obj)}`."]
    return [*lines, ""]


def _alias(obj: Any) -> str:
    text = str(obj).replace("frontend.llb.graph.", "").replace("frontend.llb.state.", "")
    return text.replace("frontend.gateway.api.", "")


def reference() -> str:
    out = [HEADER]
    for module in (llb, frontend.gateway):
        out += [f"## `{module.__name__}`", "", _doc(module).split("\n\n")[0], ""]
        for name in sorted(module.__all__, key=lambda n: (n[0].islower(), n)):
            out += _entry(module, name)
    return "\n".join(line.rstrip() for line in "\n".join(out).splitlines()).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(reference())
