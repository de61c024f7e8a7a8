"""From a build request and a typed Dockerfile to LLB and image configs.

The build request (``request``), the one entry point ``entry.evaluate``, the
lowering of each instruction onto an LLB state (``lower``, ``copyadd``,
``mounts``, over ``stage``), image configs, contexts and subrequests.

Imports ``frontend.semantics``, ``frontend.syntax``, ``frontend.llb`` and the
foundation; never the generated protobuf code (marshalled LLB is
``frontend.llb.marshal.Definition``) nor the gateway.
"""
