#!/usr/bin/env bash
# Regenerate frontend/pb from proto/ with grpc_tools.protoc (and mypy stubs).
# Usage: hack/gen-proto.sh          write the generated code
#        hack/gen-proto.sh --check  fail if the committed code is stale
set -euo pipefail
cd "$(dirname "$0")/.."

out=frontend/pb
if [[ "${1:-}" == "--check" ]]; then
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
    mkdir -p "$out/frontend/pb"
    target="$out/frontend/pb"
else
    target=$out
    rm -f "$target"/*_pb2*.py "$target"/*_pb2*.pyi
    out=.
fi

python -m grpc_tools.protoc -Iproto \
    --python_out="$out" --mypy_out="$out" \
    --grpc_python_out="$out" --mypy_grpc_out="$out" \
    proto/frontend/pb/*.proto

# Only the gateway has a service; drop the empty grpc modules of the others.
for f in "$target"/*_pb2_grpc.py; do
    grep -q "class .*Stub" "$f" || rm -f "$f" "${f}i"
done

if [[ "${1:-}" == "--check" ]]; then
    if ! diff -r -x __init__.py -x py.typed -x __pycache__ "$target" frontend/pb; then
        echo "generated protobuf code is stale: run hack/gen-proto.sh" >&2
        exit 1
    fi
    echo "generated protobuf code is current"
fi
