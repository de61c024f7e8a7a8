"""What named build contexts read from the engine (the compiler's ``ContextReader``),
and image look-ups shared by the compiles of several platforms."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from frontend.errors import DockerfileError
from frontend.gateway.bridge import Bridge, BridgeError
from frontend.pb import ops_pb2 as pb
from frontend.platform import Platform

if TYPE_CHECKING:
    from frontend.compiler.contexts import ImageResolver


class BridgeContextReader:
    """Reads local directories, frontend inputs and OCI layouts through ``bridge``."""

    __slots__ = ("_inputs", "bridge", "session_id")

    def __init__(self, bridge: Bridge, session_id: str) -> None:
        self.bridge = bridge
        self.session_id = session_id
        self._inputs: dict[str, pb.Definition] | None = None

    def read_file(self, definition: pb.Definition, path: str) -> bytes | None:
        try:
            ref = self.bridge.solve(definition, evaluate=True)
        except BridgeError as exc:
            raise DockerfileError(f"failed to load named context: {exc.details}") from None
        try:
            return self.bridge.read_file(ref, path)
        except BridgeError:
            return None

    def inputs(self) -> Mapping[str, pb.Definition]:
        if self._inputs is None:
            try:
                self._inputs = self.bridge.inputs()
            except BridgeError as exc:
                raise DockerfileError(f"failed to read frontend inputs: {exc.details}") from None
        return self._inputs

    def oci_layout_config(
        self, ref: str, *, store_id: str, platform: Platform, log_name: str
    ) -> tuple[str, bytes]:
        try:
            return self.bridge.resolve_image_config(
                ref, platform, log_name=log_name, oci_store=(self.session_id, store_id)
            )
        except BridgeError as exc:
            raise DockerfileError(f"failed to resolve image {ref}: {exc.details}") from None


class ResolveCache:
    """An image resolver that asks the engine once per reference, platform, mode and
    log name (the compiles of several platforms share stages, so their look-ups);
    a failure is remembered too."""

    __slots__ = ("_answers", "_lock", "resolve")

    def __init__(self, resolve: ImageResolver) -> None:
        self.resolve = resolve
        self._answers: dict[tuple[str, Platform, str, str], _Answer] = {}
        self._lock = threading.Lock()

    def __call__(
        self, ref: str, *, platform: Platform, resolve_mode: str, log_name: str
    ) -> tuple[str, bytes]:
        key = (ref, platform, resolve_mode, log_name)
        with self._lock:
            answer = self._answers.get(key)
            if answer is None:
                answer = self._answers[key] = _Answer()
        with answer.lock:  # the first caller asks, the others wait for its answer
            if answer.value is None and answer.error is None:
                try:
                    answer.value = self.resolve(
                        ref, platform=platform, resolve_mode=resolve_mode, log_name=log_name
                    )
                except Exception as exc:
                    answer.error = exc
        if answer.error is not None:
            raise answer.error
        assert answer.value is not None
        return answer.value


class _Answer:
    """One look-up's outcome, once its first caller has it (no ``concurrent.futures``:
    a plain build would load it for this alone)."""

    __slots__ = ("error", "lock", "value")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value: tuple[str, bytes] | None = None
        self.error: Exception | None = None
