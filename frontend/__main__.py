"""``python -m frontend``: the gateway frontend entry point."""

import sys

from frontend.cli import main

sys.exit(main())
