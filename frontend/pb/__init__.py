"""Generated protobuf and gRPC code (see hack/gen-proto.sh). Only llb/ and gateway/ import it."""
