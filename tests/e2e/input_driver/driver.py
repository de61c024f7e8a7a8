"""A gateway frontend for tests: it builds the client's Dockerfile with another
frontend (``build-arg:DRIVER_TARGET``: ``builtin`` for the engine's own, else a
frontend image), giving the client's directory as the frontend input
``context`` (or ``build-arg:DRIVER_CONTEXT``, a URL, as the option ``context``)
and the option ``contextsubdir`` (``build-arg:DRIVER_SUBDIR``), as Go clients
of BuildKit do; docker's CLI cannot pass either. ``build-arg:DRIVER_DOCKERFILEKEY``
becomes the option ``dockerfilekey``; ``build-arg:DRIVER_SYNTAX`` the build arg
``BUILDKIT_SYNTAX``; ``build-arg:DRIVER_HANDOVER=0`` drops ``cmdline``, so that
the target reads the Dockerfile's syntax directive as if started directly.
``build-arg:DRIVER_CONTEXT_FROM_RUN=1`` gives as the input ``context`` what a RUN
wrote into a mount (the exec op's second output) instead of the client's directory.
"""

import grpc

from frontend.gateway.relay import StdioRelay, exit_now

relay = StdioRelay.from_stdio()  # nothing may reach stdout but gRPC

from frontend.gateway.options import read_gateway_env  # noqa: E402
from frontend.llb import state as llb  # noqa: E402
from frontend.llb.graph import Mount  # noqa: E402
from frontend.llb.marshal import marshal  # noqa: E402
from frontend.pb import gateway_pb2, gateway_pb2_grpc  # noqa: E402
from frontend.platform import DEFAULT_PLATFORM  # noqa: E402

env = read_gateway_env(None)
stub = gateway_pb2_grpc.LLBBridgeStub(relay.channel())
opts = dict(env.opts)
target = opts.pop("build-arg:DRIVER_TARGET", "builtin")
opts["contextsubdir"] = opts.pop("build-arg:DRIVER_SUBDIR", "")
request = gateway_pb2.SolveRequest(allowResultReturn=True, allowResultArrayRef=True)
if target == "builtin":
    request.Frontend = "dockerfile.v0"
else:
    request.Frontend = "gateway.v0"
    opts["source"] = target
if key := opts.pop("build-arg:DRIVER_DOCKERFILEKEY", ""):
    opts["dockerfilekey"] = key
if syntax := opts.pop("build-arg:DRIVER_SYNTAX", ""):
    opts["build-arg:BUILDKIT_SYNTAX"] = syntax
if opts.pop("build-arg:DRIVER_HANDOVER", "1") == "0":
    opts.pop("cmdline", None)
url = opts.pop("build-arg:DRIVER_CONTEXT", "")
if url:
    opts["context"] = url
elif opts.pop("build-arg:DRIVER_CONTEXT_FROM_RUN", "") == "1":
    busybox = llb.image("docker.io/library/busybox:latest", platform=DEFAULT_PLATFORM)
    script = "mkdir -p /out/sub && echo made > /out/sub/made.txt"
    _, run = busybox.run(["sh", "-c", script], mounts=[Mount(dest="/out", has_output=True)])
    request.FrontendInputs["context"].CopyFrom(marshal(run.output_of("/out")))
else:
    context = llb.local("context", session_id=env.session_id, shared_key_hint="context")
    request.FrontendInputs["context"].CopyFrom(marshal(context.output))
request.FrontendOpt.update(opts)
try:
    result = stub.Solve(request).result
    stub.Return(gateway_pb2.ReturnRequest(result=result))
except grpc.RpcError as exc:  # the build's error, as the engine shows it
    message = str(exc.details())  # type: ignore[attr-defined]
    stub.Return(gateway_pb2.ReturnRequest(error={"code": 2, "message": message}))
exit_now(0)
