"""What named build contexts read from the engine: the compiler's ``ContextReader``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from frontend.errors import DockerfileError
from frontend.gateway.bridge import Bridge, BridgeError
from frontend.llb.platform import Platform
from frontend.pb import ops_pb2 as pb


@dataclass
class BridgeContextReader:
    """Reads local directories, frontend inputs and OCI layouts through ``bridge``."""

    bridge: Bridge
    session_id: str
    _inputs: dict[str, pb.Definition] | None = field(default=None, repr=False)

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
