"""Relay the gateway byte stream between stdio and a private unix socket.

The engine speaks HTTP/2 (h2c) to the frontend over two pipes: its requests
arrive on our stdin and our stdout goes back to it. grpcio cannot dial a file
descriptor, so the process keeps private copies of fds 0/1, points fd 1 and
``sys.stdout`` at stderr (a stray ``print`` must never reach the stream), and
pumps bytes between those copies and the one connection accepted on a unix
socket that only this process knows about. grpcio then dials that socket.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading
from typing import Final, NoReturn

import grpc

from frontend import logs

MAX_MESSAGE_BYTES: Final = 64 * 1024 * 1024
"""grpcio's own limit is 4 MiB; ReadFile answers can be bigger."""

MAX_METADATA_BYTES: Final = 16 * 1024 * 1024
"""grpcio's own limit is 8 KiB; an engine's error status (its details hold source maps
with whole definitions) travels in the trailers and can be larger. Go clients allow 16 MiB."""

CHANNEL_OPTIONS: Final[tuple[tuple[str, int], ...]] = (
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_metadata_size", MAX_METADATA_BYTES),
    ("grpc.absolute_max_metadata_size", MAX_METADATA_BYTES),
    ("grpc.enable_retries", 0),
)

_CHUNK: Final = 256 * 1024
_SUN_PATH_MAX: Final = 107  # sockaddr_un.sun_path is 108 bytes with the NUL
_SOCKET_NAME: Final = "gateway.sock"

log = logs.get_logger()


def claim_stdio() -> tuple[int, int]:
    """Take fds 0/1 for the gateway stream and return private copies ``(in_fd, out_fd)``.

    Afterwards fd 1 and ``sys.stdout`` are stderr and fd 0 and ``sys.stdin`` read
    ``/dev/null``, so neither a stray print nor a stray read (ours or a child
    process's) can touch the stream. Call this first thing at start-up.
    """
    in_fd, out_fd = os.dup(0), os.dup(1)
    os.dup2(2, 1)
    # Anything buffered before the claim now lands on stderr, not in the stream.
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    sys.stdout = sys.stderr
    null_fd = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null_fd, 0)
    os.close(null_fd)
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    return in_fd, out_fd


def exit_now(code: int = 0) -> NoReturn:
    """Flush stderr and end the process at once, skipping interpreter teardown.

    The engine reads the result only once the frontend has exited, and a normal
    exit spends tens of milliseconds tearing grpcio down. Call this only after
    ``Return`` has completed: its request has then fully left the process.
    """
    for stream in (sys.stderr, sys.__stderr__):
        with contextlib.suppress(Exception):
            if stream is not None:
                stream.flush()
    os._exit(code)


def new_channel(path: str) -> grpc.Channel:
    """A grpcio channel to the unix socket at ``path`` with the gateway's options."""
    return grpc.insecure_channel("unix:" + path, options=list(CHANNEL_OPTIONS))


class Pumps:
    """Two threads copying bytes between a connected socket and a pair of fds.

    ``read_fd`` → socket (on EOF the socket's write side is shut down) and
    socket → ``write_fd`` (partial writes handled; on EOF ``write_fd`` is closed).
    The pumps own both fds and the socket, and close each when done with it.
    """

    def __init__(self, sock: socket.socket, read_fd: int, write_fd: int, *, name: str) -> None:
        self.bytes_up = 0
        self.bytes_down = 0
        self._sock = sock
        self._read_fd = read_fd
        self._write_fd = write_fd
        self._lock = threading.Lock()
        self._running = 2
        self._threads = (
            threading.Thread(target=self._up, name=f"{name}-up", daemon=True),
            threading.Thread(target=self._down, name=f"{name}-down", daemon=True),
        )
        for thread in self._threads:
            thread.start()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for both directions to finish; True if they did within ``timeout``."""
        for thread in self._threads:
            thread.join(timeout)
        return not any(thread.is_alive() for thread in self._threads)

    def shutdown(self) -> None:
        """Cut the socket: the down pump ends now, the up pump at its next write or EOF."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)

    def _up(self) -> None:
        try:
            while data := os.read(self._read_fd, _CHUNK):
                self._sock.sendall(data)
                self.bytes_up += len(data)
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_WR)
        except OSError as exc:
            log.debug("relay_up_failed", error=str(exc))
            self.shutdown()
        finally:
            with contextlib.suppress(OSError):
                os.close(self._read_fd)
            self._finished()

    def _down(self) -> None:
        try:
            while data := self._sock.recv(_CHUNK):
                view = memoryview(data)
                while view:
                    view = view[os.write(self._write_fd, view) :]
                self.bytes_down += len(data)
        except OSError as exc:
            log.debug("relay_down_failed", error=str(exc))
            self.shutdown()
        finally:
            with contextlib.suppress(OSError):
                os.close(self._write_fd)
            self._finished()

    def _finished(self) -> None:
        with self._lock:
            self._running -= 1
            last = self._running == 0
        if last:
            self._sock.close()
            log.debug("relay_closed", bytes_up=self.bytes_up, bytes_down=self.bytes_down)


class StdioRelay:
    """A unix socket in a private temporary directory, relayed to ``(in_fd, out_fd)``.

    Exactly one connection is accepted; then the listener is closed and the
    directory removed. Any later disconnect is final: stdio cannot be redialled.
    The relay owns both fds. Use :meth:`from_stdio` in the frontend process and
    any pair of fds (pipes, say) in tests.
    """

    def __init__(self, in_fd: int, out_fd: int, *, tmp_dir: str | None = None) -> None:
        self._in_fd = in_fd
        self._out_fd = out_fd
        self._dir = _private_dir(tmp_dir)
        self.path = os.path.join(self._dir, _SOCKET_NAME)
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._listener.bind(self.path)
            self._listener.listen(1)
        except OSError:
            self._listener.close()
            _remove(self._dir)
            raise
        self._closed = False
        self._lock = threading.Lock()
        self._pumps: Pumps | None = None
        self.connected = threading.Event()
        self._acceptor = threading.Thread(
            target=self._accept, name="gateway-relay-accept", daemon=True
        )
        self._acceptor.start()

    @classmethod
    def from_stdio(cls, *, tmp_dir: str | None = None) -> StdioRelay:
        """Claim fds 0/1 (see :func:`claim_stdio`) and relay them."""
        in_fd, out_fd = claim_stdio()
        return cls(in_fd, out_fd, tmp_dir=tmp_dir)

    def channel(self) -> grpc.Channel:
        """A grpcio channel through this relay; use one for the whole run."""
        return new_channel(self.path)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the stream has ended both ways; True if it did within ``timeout``."""
        if not self.connected.wait(timeout):
            return False
        pumps = self._pumps
        return pumps is not None and pumps.join(timeout)

    def close(self) -> None:
        """Stop listening, remove the directory, and cut an accepted connection."""
        with self._lock:
            self._closed = True
            pumps = self._pumps
        if pumps is not None:
            pumps.shutdown()
            return
        with contextlib.suppress(OSError):
            # Wakes a blocked accept() on Linux; the acceptor then cleans up.
            self._listener.shutdown(socket.SHUT_RDWR)
        self._acceptor.join(5)

    def __enter__(self) -> StdioRelay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept(self) -> None:
        try:
            conn, _ = self._listener.accept()
        except OSError:
            conn = None
        finally:
            self._listener.close()
            _remove(self._dir)
        with self._lock:
            if conn is None or self._closed:
                if conn is not None:
                    conn.close()
                for fd in (self._in_fd, self._out_fd):
                    with contextlib.suppress(OSError):
                        os.close(fd)
                return
            self._pumps = Pumps(conn, self._in_fd, self._out_fd, name="gateway-relay")
        self.connected.set()
        log.debug("relay_connected")


def _private_dir(parent: str | None) -> str:
    """A fresh 0700 directory whose socket path fits in ``sun_path``: under ``parent``,
    else under the first usable temporary directory (as :mod:`tempfile` picks it,
    ``/tmp`` if that one's path is too long)."""
    if parent is not None:
        path = _new_dir([parent])
        if not _fits(path):
            os.rmdir(path)
            raise ValueError(f"socket path under {parent!r} is too long for a unix socket")
        return path
    path = _new_dir(_temp_dirs())
    if _fits(path):
        return path
    os.rmdir(path)
    return _new_dir(["/tmp"])


def _temp_dirs() -> list[str]:
    named = [os.environ.get(name) for name in ("TMPDIR", "TEMP", "TMP")]
    return [*filter(None, named), "/tmp", "/var/tmp", "/usr/tmp", os.getcwd()]


def _new_dir(parents: list[str]) -> str:
    """Make ``pyfrontend-<random>`` (mode 0700) in the first of ``parents`` that allows it.

    Not :func:`tempfile.mkdtemp`: that module (and :mod:`random`, :mod:`shutil`)
    would load on the way to the first Solve.
    """
    error: OSError | None = None
    for parent in parents:
        for _ in range(16):
            path = os.path.join(parent, "pyfrontend-" + os.urandom(8).hex())
            try:
                os.mkdir(path, 0o700)
            except FileExistsError:
                continue
            except OSError as exc:
                error = exc
                break
            return os.path.abspath(path)
    raise error or FileExistsError(f"no free directory name under {parents[0]!r}")


def _fits(path: str) -> bool:
    return len(os.fsencode(os.path.join(path, _SOCKET_NAME))) <= _SUN_PATH_MAX


def _remove(path: str) -> None:
    """Remove the private directory and the socket in it."""
    with contextlib.suppress(OSError):
        os.unlink(os.path.join(path, _SOCKET_NAME))
    with contextlib.suppress(OSError):
        os.rmdir(path)
