"""The image's standard-library list and the tools that assemble the image."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hack.image_root import TRIPLETS, Base, Elf

ROOT = Path(__file__).resolve().parents[2]


def test_stdlib_list_covers_every_traced_import() -> None:
    """A build, every subrequest and the error paths import only listed modules."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "hack" / "image_modules.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]


def test_elf_reader_finds_interpreter_and_libc() -> None:
    elf = Elf(Path(sys.executable).resolve().read_bytes())
    assert elf.machine in TRIPLETS
    assert elf.interp and elf.interp.startswith("/lib")
    # The interpreter loads the C library itself, or through libpython.
    assert elf.needed


def test_base_resolves_absolute_symlinks_inside_the_tree(tmp_path: Path) -> None:
    (tmp_path / "usr" / "lib" / "triplet").mkdir(parents=True)
    (tmp_path / "usr" / "lib" / "triplet" / "libc.so.6").write_bytes(b"libc")
    (tmp_path / "lib").symlink_to("usr/lib")
    (tmp_path / "lib64").mkdir()
    (tmp_path / "lib64" / "ld.so").symlink_to("/lib/triplet/libc.so.6")
    base = Base(tmp_path)
    assert base.resolve("/lib64/ld.so") == tmp_path / "usr" / "lib" / "triplet" / "libc.so.6"
    assert base.resolve("/lib/triplet/missing.so") is None
