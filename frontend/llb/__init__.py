"""LLB: an immutable op graph and its state, marshalled into deterministic bytes.

Knows nothing of Dockerfiles. Imports ``frontend.pb`` (the generated protobuf
code) and the foundation only.
"""
