"""Deferred modules: imported as placeholders, run at their first use."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from frontend.gateway import deferred

MODULE = """\
import builtins
builtins.deferred_runs = getattr(builtins, "deferred_runs", 0) + 1
VALUE = 42
"""


@pytest.fixture
def package(tmp_path: Path) -> Iterator[str]:
    """A package ``deferpkg`` with a submodule ``mod`` that counts its runs."""
    (tmp_path / "deferpkg").mkdir()
    (tmp_path / "deferpkg" / "__init__.py").write_text("")
    (tmp_path / "deferpkg" / "mod.py").write_text(MODULE)
    sys.path.insert(0, str(tmp_path))
    finder = deferred.defer(["deferpkg.mod"])
    import builtins

    builtins.deferred_runs = 0  # type: ignore[attr-defined]
    try:
        yield "deferpkg.mod"
    finally:
        sys.meta_path.remove(finder)
        sys.path.remove(str(tmp_path))
        for name in ("deferpkg", "deferpkg.mod"):
            sys.modules.pop(name, None)
        del builtins.deferred_runs  # type: ignore[attr-defined]


def test_import_statements_do_not_run_the_module(package: str) -> None:
    import builtins

    import deferpkg.mod as again  # type: ignore[import-not-found]  # noqa: F401

    assert builtins.deferred_runs == 0  # type: ignore[attr-defined]
    assert sys.modules[package].__name__ == package
    assert builtins.deferred_runs == 0  # type: ignore[attr-defined]


def test_first_use_runs_it_once(package: str) -> None:
    import builtins

    import deferpkg.mod  # noqa: F401

    module = sys.modules[package]
    assert module.VALUE == 42
    assert module.VALUE == 42
    from deferpkg.mod import VALUE  # type: ignore[import-not-found]

    assert VALUE == 42
    assert builtins.deferred_runs == 1  # type: ignore[attr-defined]
    assert type(module) is type(sys)


GATEWAY_PATH = """\
import sys
from frontend.gateway import deferred
deferred.defer()
import frontend.cli, frontend.gateway.build, frontend.gateway.relay, frontend.logs
import frontend.compiler.entry, frontend.syntax.parser
frontend.syntax.parser.line_parser()
print(" ".join(sorted(
    name for name in NEVER
    if name in sys.modules and type(sys.modules[name]) is not deferred._Placeholder
)))
"""
NEVER = ("asyncio", "grpc.aio", "inspect", "pickle", "selectors", "pkgutil", "traceback")
"""Deferred modules that nothing on a build's path uses."""


def isolated_output(code: str) -> list[str]:
    """The words ``code`` prints, run by a fresh isolated interpreter in the checkout."""
    proc = subprocess.run(
        [sys.executable, "-I", "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_a_build_runs_none_of_the_deferred_modules_it_never_uses() -> None:
    """A dataclass without a docstring, say, would load ``inspect`` (for its signature)."""
    assert isolated_output(f"NEVER = {NEVER!r}\n{GATEWAY_PATH}") == []


def test_another_thread_waits_for_the_code_to_run(tmp_path: Path) -> None:
    """While one thread runs a deferred module's code, another reading it waits."""
    (tmp_path / "deferslow.py").write_text(
        "import threading, time\n"
        "STARTED = threading.Event()\n"
        "STARTED.set()\n"
        "time.sleep(0.3)\n"
        "VALUE = 42\n"
    )
    sys.path.insert(0, str(tmp_path))
    finder = deferred.defer(["deferslow"])
    try:
        import deferslow  # type: ignore[import-not-found]

        seen: list[object] = []
        first = threading.Thread(target=lambda: seen.append(deferslow.VALUE))
        first.start()
        while "STARTED" not in vars(deferslow):  # the first thread is running its code
            time.sleep(0.001)
        assert deferslow.VALUE == 42
        first.join(10)
        assert seen == [42]
    finally:
        sys.meta_path.remove(finder)
        sys.path.remove(str(tmp_path))
        sys.modules.pop("deferslow", None)


@pytest.mark.parametrize(("name", "accelerator"), sorted(deferred.SUBSTITUTES.items()))
def test_a_substitute_has_every_public_name_of_its_module(name: str, accelerator: str) -> None:
    """The module's own names (not the modules it imports) are the accelerator's."""
    import importlib
    import types

    module = importlib.import_module(name)
    fast = importlib.import_module(accelerator)
    public = [
        n
        for n in dir(module)
        if not n.startswith("_") and not isinstance(getattr(module, n), types.ModuleType)
    ]
    assert public
    assert [n for n in public if getattr(fast, n, None) is not getattr(module, n)] == []


def test_substitute_loads_the_accelerator_in_place_of_the_module() -> None:
    code = (
        "import sys\n"
        "from frontend.gateway import deferred\n"
        "deferred.substitute()\n"
        "import datetime\n"
        "from datetime import UTC, timedelta\n"
        "print(datetime is sys.modules['_datetime'], datetime.datetime(1970, 1, 2, tzinfo=UTC)"
        " - timedelta(days=1) == datetime.datetime.fromtimestamp(0, UTC))\n"
    )
    assert isolated_output(code) == ["True", "True"]
