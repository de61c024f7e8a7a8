#!/usr/bin/env bash
# Create the development virtualenv (default .work/venv) and install the
# package with its dev extras into it, editable.
# Usage: hack/venv.sh [DIR]
set -euo pipefail
source "$(dirname "$0")/lib.sh"

VENV=${1:-$STATE_DIR/venv}
PYTHON=${BOOTSTRAP_PYTHON:-python3}

# Debian's python3 needs python3-venv for ensurepip.
if ! command -v "$PYTHON" >/dev/null || ! "$PYTHON" -c 'import ensurepip' 2>/dev/null; then
    apt_install python3 python3-venv
fi
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "$PYTHON is older than 3.11"
[[ -x $VENV/bin/python ]] || "$PYTHON" -m venv "$VENV"
log "installing the package and its dev extras into $VENV"
"$VENV/bin/python" -m pip install --quiet -e "$ROOT[dev]" </dev/null
