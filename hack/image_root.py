#!/usr/bin/env python3
"""Assemble the frontend image's root filesystem from a Python base image.

Runs in the build stage of ``Dockerfile.frontend`` with the build platform's
Python; it never runs anything from the target, so one build platform can
assemble the root for any target platform of the same Python version.

  image_root.py --base DIR --site DIR --modules FILE --out DIR

``--base`` is the target platform's Python image (its whole filesystem),
``--site`` the frontend and its dependencies installed for the target,
``--modules`` the standard-library modules the frontend needs
(``hack/image-stdlib.txt``). The result, whatever the base's own layout::

  /opt/pyfrontend/bin/python3          the interpreter
  /opt/pyfrontend/bin/python3._pth     sys.path; also isolated mode, no site
  /opt/pyfrontend/lib/stdlib.zip       the listed pure-Python modules, compiled, stored
  /opt/pyfrontend/lib/lib-dynload/     the listed extension modules
  /opt/pyfrontend/lib/site-packages/   the frontend and its dependencies, compiled
  /lib/<triplet>/, the ELF interpreter the shared libraries all of those load
  /tmp
"""

from __future__ import annotations

import argparse
import importlib.util
import marshal
import os
import shutil
import struct
import sys
import zipfile
from _imp import is_frozen
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

PREFIX = PurePosixPath("/opt/pyfrontend")
VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"
PTH = """\
# The whole sys.path; this file also makes the interpreter run isolated
# (no PYTHON* variables, no site, no script directory on the path).
../lib/stdlib.zip
../lib/lib-dynload
../lib/site-packages
"""
# 1980-01-01 00:00 UTC: the date of stdlib.zip's entries, and of every file of the root.
FIXED_MTIME = 315532800
# ELF e_machine -> Debian multiarch triplet (where the libraries go).
TRIPLETS = {62: "x86_64-linux-gnu", 183: "aarch64-linux-gnu"}
# Site-packages files that are never loaded at run time.
SITE_SKIP_DIRS = {"__pycache__", "__pyinstaller"}
SITE_SKIP_SUFFIXES = {".pyi", ".pyx", ".pxd", ".c", ".h", ".typed"}
# TLS root certificates: the frontend's only channel is a private unix socket.
SITE_SKIP_FILES = {"grpc/_cython/_credentials/roots.pem"}


def die(message: str) -> None:
    sys.exit(f"image_root.py: error: {message}")


# ---- ELF ------------------------------------------------------------------------------


class Elf:
    """The dynamic-linking facts of one ELF file: machine, interpreter, DT_NEEDED."""

    def __init__(self, data: bytes) -> None:
        if data[:4] != b"\x7fELF" or data[4] != 2:
            raise ValueError("not a 64-bit ELF file")
        order = "<" if data[5] == 1 else ">"
        self.machine: int = struct.unpack_from(order + "H", data, 18)[0]
        phoff, _, _, _, phentsize, phnum = struct.unpack_from(order + "QQIHHH", data, 32)
        self.interp: str | None = None
        loads: list[tuple[int, int, int]] = []  # (vaddr, offset, filesz)
        dynamic: tuple[int, int] | None = None
        for i in range(phnum):
            kind, _, offset, vaddr, _, filesz = struct.unpack_from(
                order + "IIQQQQ", data, phoff + i * phentsize
            )
            if kind == 1:  # PT_LOAD
                loads.append((vaddr, offset, filesz))
            elif kind == 2:  # PT_DYNAMIC
                dynamic = (offset, filesz)
            elif kind == 3:  # PT_INTERP
                self.interp = data[offset : offset + filesz].rstrip(b"\0").decode()
        self.needed: list[str] = []
        if dynamic is None:
            return
        entries, strtab = [], 0
        for pos in range(dynamic[0], dynamic[0] + dynamic[1], 16):
            tag, value = struct.unpack_from(order + "qQ", data, pos)
            if tag == 0:
                break
            if tag == 1:  # DT_NEEDED
                entries.append(value)
            elif tag == 5:  # DT_STRTAB, a virtual address
                strtab = next(
                    off + value - va for va, off, size in loads if va <= value < va + size
                )
        for name in entries:
            end = data.index(b"\0", strtab + name)
            self.needed.append(data[strtab + name : end].decode())


# ---- files of the base image ----------------------------------------------------------


class Base:
    """Paths inside the base image's tree, with its absolute symlinks resolved inside it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def resolve(self, path: str, depth: int = 0) -> Path | None:
        """The real file for ``path`` (absolute in the image), or None when missing."""
        if depth > 40:
            die(f"symlink loop at {path}")
        current = PurePosixPath("/")
        parts = list(PurePosixPath(path).parts[1:])
        while parts:
            part = parts.pop(0)
            candidate = current / part
            host = self.root / candidate.relative_to("/")
            if host.is_symlink():
                target = PurePosixPath(os.readlink(host))
                joined = target if target.is_absolute() else current / target
                resolved = self.resolve(str(joined), depth + 1)
                if resolved is None:
                    return None
                current = PurePosixPath("/") / resolved.relative_to(self.root)
            elif part == "..":
                current = current.parent
            else:
                current = candidate
        host = self.root / current.relative_to("/")
        return host if host.exists() else None

    def find(self, *paths: str) -> tuple[str, Path]:
        """The first of ``paths`` that exists: (path in the image, real file)."""
        for path in paths:
            if (real := self.resolve(path)) is not None:
                return path, real
        die(f"none of {', '.join(paths)} in the base image")
        raise AssertionError


# ---- the root filesystem --------------------------------------------------------------


class Root:
    """The image's root filesystem being assembled under ``out``."""

    def __init__(self, out: Path, base: Base) -> None:
        self.out = out
        self.base = base
        self.elf_done: set[str] = set()
        self.triplet = ""
        self.lib_dirs: list[str] = []

    def path(self, image_path: PurePosixPath | str) -> Path:
        return self.out / PurePosixPath(image_path).relative_to("/")

    def copy(self, source: Path, image_path: PurePosixPath | str, mode: int = 0o644) -> Path:
        dest = self.path(image_path)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
        dest.chmod(mode)
        return dest

    def add_elf(self, source: Path, image_path: PurePosixPath | str, mode: int = 0o755) -> None:
        """Copy an executable or shared object, and every library it loads."""
        self.copy(source, image_path, mode)
        elf = Elf(source.read_bytes())
        if not self.triplet:
            if elf.machine not in TRIPLETS:
                die(f"{image_path}: unknown ELF machine {elf.machine}")
            self.triplet = TRIPLETS[elf.machine]
            self.lib_dirs = [f"/lib/{self.triplet}", f"/usr/lib/{self.triplet}", "/lib", "/usr/lib"]
            self.lib_dirs.append("/usr/local/lib")  # the official images' libpython
        if elf.interp and elf.interp not in self.elf_done:
            # The loader itself, where every executable names it; never a library.
            self.elf_done.update((elf.interp, PurePosixPath(elf.interp).name))
            _, real = self.base.find(elf.interp)
            self.copy(real, elf.interp, 0o755)
        for name in elf.needed:
            if name in self.elf_done:
                continue
            self.elf_done.add(name)
            _, real = self.base.find(*(f"{d}/{name}" for d in self.lib_dirs))
            # One directory on the loader's default path, whatever the base used.
            self.add_elf(real, f"/lib/{self.triplet}/{name}", 0o644)


def compile_source(source: Path, display: str) -> bytes:
    """The .pyc bytes of ``source``: a sourceless module, nothing for the loader to check."""
    code = compile(source.read_bytes(), display, "exec", dont_inherit=True)
    return importlib.util.MAGIC_NUMBER + bytes(12) + marshal.dumps(code)


def read_module_list(path: Path) -> tuple[list[str], list[str]]:
    """(kept, left out): the module lines of ``hack/image-stdlib.txt``, and its ``-name`` lines."""
    kept, left_out = [], []
    for line in path.read_text().splitlines():
        entry = line.partition("#")[0].strip()
        if entry.startswith("-"):
            left_out.append(entry[1:].strip())
        elif entry:
            kept.append(entry)
    return kept, left_out


def stdlib_files(stdlib: Path, dynload: Path, name: str) -> Iterator[tuple[str, Path]]:
    """(kind, file) for module ``name``: "py" sources or a "so" extension.

    Nothing for a module built into the interpreter.
    """
    rel = Path(*name.split("."))
    for candidate in (stdlib / rel.with_suffix(".py"), stdlib / rel / "__init__.py"):
        if candidate.is_file():
            yield "py", candidate
            return
    for candidate in sorted(dynload.glob(f"{name}.*.so")) + sorted(dynload.glob(f"{name}.so")):
        yield "so", candidate
        return


def add_stdlib(root: Root, stdlib: Path, names: Iterable[str]) -> list[str]:
    """The listed modules into stdlib.zip and lib-dynload; the names not found as files."""
    dynload = stdlib / "lib-dynload"
    lib = PREFIX / "lib"
    missing = []
    zip_path = root.path(lib / "stdlib.zip")
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    # Stored, not deflated: decompressing costs a seventh of the start-up's CPU time
    # for 2 MB less in the image.
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_STORED) as zf:
        for name in sorted(set(names)):
            found = list(stdlib_files(stdlib, dynload, name))
            if not found:
                missing.append(name)
            for kind, path in found:
                if kind == "so":
                    root.add_elf(path, lib / "lib-dynload" / path.name, 0o644)
                    continue
                rel = path.relative_to(stdlib)
                info = zipfile.ZipInfo(str(rel.with_suffix(".pyc")), (1980, 1, 1, 0, 0, 0))
                zf.writestr(info, compile_source(path, str(rel)))
    return missing


def add_site(root: Root, site: Path) -> None:
    """Every package in ``site``, compiled without sources; no dist-info, no stubs."""
    dest = PREFIX / "lib" / "site-packages"
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site)
        if (
            path.is_dir()
            or rel.parts[0].endswith((".dist-info", ".egg-info"))
            or rel.parts[0] in {"bin"}
            or SITE_SKIP_DIRS.intersection(rel.parts)
            or path.suffix in SITE_SKIP_SUFFIXES
            or str(rel) in SITE_SKIP_FILES
        ):
            continue
        if path.suffix == ".py":
            target = root.path(dest / rel.with_suffix(".pyc"))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(compile_source(path, str(rel)))
            target.chmod(0o644)
        elif path.suffix == ".so":
            root.add_elf(path, dest / rel, 0o644)
        else:
            root.copy(path, dest / rel)


def fix_mtimes(out: Path) -> None:
    """Date every file and directory under ``out`` (and ``out``) like the zip's entries,
    so that the image's layer does not depend on when it was built."""
    for path in sorted(out.rglob("*"), reverse=True):  # a directory after its contents
        os.utime(path, (FIXED_MTIME, FIXED_MTIME), follow_symlinks=False)
    os.utime(out, (FIXED_MTIME, FIXED_MTIME))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, required=True, help="the target's Python image")
    parser.add_argument("--site", type=Path, required=True, help="installed packages")
    parser.add_argument("--modules", type=Path, required=True, help="image-stdlib.txt")
    parser.add_argument("--out", type=Path, required=True, help="the root to create")
    args = parser.parse_args()

    base = Base(args.base)
    python = f"python{VERSION}"
    exe, exe_real = base.find(f"/usr/local/bin/{python}", f"/usr/bin/{python}")
    stdlib = base.resolve(str(PurePosixPath(exe).parent.parent / "lib" / python))
    if stdlib is None:
        die(f"no standard library beside {exe}")
        raise AssertionError

    root = Root(args.out, base)
    root.add_elf(exe_real, PREFIX / "bin" / "python3")
    pth = root.path(PREFIX / "bin" / "python3._pth")
    pth.write_text(PTH)
    missing = add_stdlib(root, stdlib, read_module_list(args.modules)[0])
    add_site(root, args.site)
    if absent := [n for n in missing if n not in sys.builtin_module_names and not is_frozen(n)]:
        die(f"not in the base image nor built into its Python: {' '.join(absent)}")
    tmp = root.path("/tmp")
    tmp.mkdir(exist_ok=True)
    tmp.chmod(0o1777)
    fix_mtimes(args.out)
    print(f"image_root.py: {root.triplet} Python from {exe}")


if __name__ == "__main__":
    main()
