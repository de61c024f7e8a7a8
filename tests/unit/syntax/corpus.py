"""The parser's golden corpus: a folder per case, with a readable expectation.

``cases/<name>/Dockerfile`` parses; ``expected.json`` is its
``pyfrontend parse --format json`` object (``file`` is always
``"Dockerfile"``). ``errors/<name>/Dockerfile`` is rejected by the parser;
``expected.txt`` holds ``message:`` (a substring of the message), ``line:``
and, optionally, ``column:``. ``UPDATE_GOLDEN=1`` rewrites expectations
instead of checking them: review the diff against the official parser (the
differential test does) before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).parent
CASES = HERE / "cases"
ERRORS = HERE / "errors"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def names(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if (p / "Dockerfile").is_file())


def read_expected_error(path: Path) -> dict[str, str]:
    fields = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition(": ")
        fields[key] = value
    return fields


def write_expected_error(path: Path, message: str, line: int, column: int) -> None:
    text = f"message: {message}\nline: {line}\n" + (f"column: {column}\n" if column else "")
    path.write_text(text, encoding="utf-8")


REASONS = {
    "json-trailing-data": (
        "The package embeds BuildKit v0.12.5, whose parser decoded the first JSON value and "
        "ignored what follows; current BuildKit (json.Unmarshal) rejects trailing text, so the "
        "line is shell form."
    ),
    "heredoc-space": (
        "Current BuildKit allows blanks between << and the heredoc word; v0.12.5 did not."
    ),
    "check-directive": (
        "The check directive is newer than v0.12.5, which ends directive parsing at it (so a "
        "later escape is ignored and a repeated check is no error)."
    ),
    "flag-escape": (
        "Current BuildKit honours the escape directive inside --flags; v0.12.5 always used \\."
    ),
    "lexer-word-reset": (
        "Current BuildKit's shell lexer restarts the word it is building when a ${...} with a "
        "modifier is scanned, dropping a << before it (so no heredoc); v0.12.5 kept it."
    ),
    "flags-bytes": (
        "Upstream reads --flag words byte by byte, garbling non-ASCII text (é becomes Ã©); we "
        "read characters."
    ),
    "onbuild-depth": (
        "Past eight nested ONBUILD levels the parser itself rejects the chain, with the message "
        "Docker's frontend gives for any ONBUILD ONBUILD, so memory stays linear."
    ),
    "package-onbuild-heredocs": (
        "The package reports the heredocs of ONBUILD's trigger node, but the parser attaches "
        "them to the ONBUILD node itself, so the package always shows none."
    ),
    "package-c-strings": "The package passes strings through C: a NUL byte truncates them.",
    "package-fd-overflow": (
        "Go reads an out-of-range descriptor as the largest uint64; the package converts it to "
        "a C long (-1)."
    ),
    "package-invalid-utf8": "The package cannot return strings that are not valid UTF-8.",
}

KNOWN_DIFFERENCES = {
    "cases/run-json-trailing-text": "json-trailing-data",
    "cases/run-json-trailing-bracket": "json-trailing-data",
    "cases/heredoc-space-after-marker": "heredoc-space",
    "cases/directive-check-then-escape": "check-directive",
    "errors/duplicate-check-directive": "check-directive",
    "cases/flags-backtick-escape": "flag-escape",
    "cases/heredoc-marker-reset-by-substitution": "lexer-word-reset",
    "cases/flags-non-ascii": "flags-bytes",
    "errors/onbuild-chain-too-deep": "onbuild-depth",
    "cases/onbuild-heredoc": "package-onbuild-heredocs",
    "cases/heredoc-body-with-nul": "package-c-strings",
    "cases/heredoc-huge-fd": "package-fd-overflow",
    "cases/invalid-utf8": "package-invalid-utf8",
}
"""Corpus cases where the ``dockerfile`` package and we deliberately differ (see README)."""
