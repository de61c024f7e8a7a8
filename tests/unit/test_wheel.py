"""``python -m build`` makes a wheel holding the library and nothing else of the repository.

Built from a copy of the sources, offline (``--no-isolation``: the
setuptools of this environment), so the checkout is left as it was.
"""

from __future__ import annotations

import email
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import frontend.gateway
from frontend import llb

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.cache")
    shutil.copytree(ROOT / "frontend", src / "frontend", ignore=ignore)
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), "."],
        cwd=src,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (path,) = out.glob("pyfrontend-*-py3-none-any.whl")
    return zipfile.ZipFile(path)


def test_wheel_holds_the_package_typed(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    sources = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "frontend").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert sources <= names
    assert {"frontend/py.typed", "frontend/pb/py.typed", "frontend/pb/ops_pb2.pyi"} <= names
    assert any(n.startswith("frontend/syntax/") and n.endswith(".lark") for n in names)
    outside = {n.split("/")[0] for n in names} - {"frontend", *_dist_info(wheel)}
    assert outside == set()
    assert not [n for n in names if n.endswith((".pyc", ".cache")) or "__pycache__" in n]


def test_wheel_metadata(wheel: zipfile.ZipFile) -> None:
    (info,) = _dist_info(wheel)
    meta = email.message_from_bytes(wheel.read(f"{info}/METADATA"))
    runtime = sorted(r.split(">")[0] for r in meta.get_all("Requires-Dist") or [] if ";" not in r)
    assert runtime == ["grpcio", "lark", "protobuf", "structlog"]
    assert meta["Requires-Python"] == ">=3.11"
    entry_points = wheel.read(f"{info}/entry_points.txt").decode()
    assert "pyfrontend = frontend.cli:main" in entry_points


def test_public_modules_are_in_the_wheel(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for module in (llb, frontend.gateway):
        assert module.__file__ is not None
        assert Path(module.__file__).relative_to(ROOT).as_posix() in names


def _dist_info(wheel: zipfile.ZipFile) -> set[str]:
    return {n.split("/")[0] for n in wheel.namelist() if n.split("/")[0].endswith(".dist-info")}
