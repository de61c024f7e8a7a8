"""The ``pyfrontend`` command.

With no arguments it runs as a BuildKit gateway frontend (how the engine
starts our image). Commands for people:

  pyfrontend parse [--format json] FILE...   how Dockerfiles parse
  pyfrontend llb [--format text|json|pb] [--target T] [--build-arg K=V] FILE
                                             the LLB a Dockerfile compiles to
  pyfrontend check [--format text|json] [--target T] [--build-arg K=V] FILE...
                                             the build checks' warnings
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    collect_garbage_less_often()
    if not args:
        return gateway_main()
    if args[0] == "parse":
        from frontend.syntax.dump import main as parse_main

        return int(parse_main(args[1:]))
    if args[0] == "llb":
        from frontend.compiler.preview import llb_main

        return llb_main(args[1:])
    if args[0] == "check":
        from frontend.compiler.preview import check_main

        return check_main(args[1:])
    print(__doc__, file=sys.stderr)
    return 2


def gateway_main() -> int:
    """Serve one build over stdio; the process exits as soon as Return has gone out."""
    from frontend.gateway import deferred

    # The thread talking to the engine gets the interpreter lock back within a
    # millisecond (not five) while the main thread loads the compiler.
    sys.setswitchinterval(0.001)
    deferred.defer()  # before grpcio is imported
    deferred.substitute()

    from frontend.gateway import codecache

    codecache.install()  # before the first dataclass

    from frontend.gateway.relay import StdioRelay, exit_now

    relay = StdioRelay.from_stdio()  # first thing: nothing may reach stdout but gRPC

    from frontend import logs
    from frontend.gateway.bridge import Bridge
    from frontend.gateway.build import run

    logs.configure(hold=True)  # until the first Solve is out (run releases them)
    run(Bridge(relay.channel()))
    exit_now(0)  # the engine reads the result once we exit: skip teardown


def collect_garbage_less_often() -> None:
    """Start the cyclic garbage collector after 100,000 new objects rather than 700.

    Start-up creates some 50,000 long-lived objects and a compile a few per
    instruction, none of them garbage cycles: at the default threshold the
    collector would rescan them over and over (a tenth of the start-up's CPU
    time, a third of a 10,000-stage compile's). Garbage is still collected,
    less often.
    """
    import gc

    gc.set_threshold(100_000)
