"""Build check results as ``docker build --check`` shows them.

``results_json`` is the ``result.json`` of the ``frontend.lint`` subrequest
(upstream's ``LintResults``: warnings, the Dockerfile as their source, and
the error that stopped the build, if any); ``results_text`` is what the
Docker CLI prints from it.
"""

from __future__ import annotations

import base64
from typing import Any

from frontend.errors import DockerfileError, DockerfileWarning
from frontend.frozen import frozen
from frontend.gotext import printable

LANGUAGE = "Dockerfile"


@frozen
class LintReport:
    """The checks of one Dockerfile: its warnings, and the error that ended the build."""

    filename: str
    data: bytes
    warnings: tuple[DockerfileWarning, ...] = ()
    error: DockerfileError | None = None
    included: tuple[tuple[str, bytes], ...] = ()
    """Files the Dockerfile includes (name, contents): warnings can be in them too."""

    def source(self, filename: str) -> tuple[int, bytes]:
        """The index (in ``sources`` of the JSON) and contents of a file of the build
        (no contents for a file the report does not hold)."""
        for index, (name, data) in enumerate(self.included, start=1):
            if name == filename:
                return index, data
        return 0, self.data if filename == self.filename else b""

    @property
    def status(self) -> int:
        """``result.statuscode``: 1 when there is anything to report."""
        return 1 if self.warnings or self.error else 0


def _ranges(start: int, end: int) -> list[dict[str, Any]]:
    def position(line: int) -> dict[str, int]:
        return {"line": line} if line else {}

    return [{"start": position(start), "end": position(end)}]


def results_json(report: LintReport) -> dict[str, Any]:
    """``LintResults`` with Go's field names; empty fields left out as Go leaves them."""
    warnings = []
    for w in report.warnings:
        entry: dict[str, Any] = {"ruleName": w.rule}
        for key, value in (("description", w.description), ("url", w.url), ("detail", w.message)):
            if value:
                entry[key] = value
        entry["location"] = _location(report, w.filename, w.line, w.last_line)
        warnings.append(entry)
    sources = [
        {"filename": name, "data": base64.b64encode(data).decode(), "language": LANGUAGE}
        for name, data in ((report.filename, report.data), *report.included)
    ]
    out: dict[str, Any] = {"warnings": warnings or None, "sources": sources}
    if report.error is not None:
        error = report.error
        location = {}
        if error.line:
            location = _location(report, error.filename, error.line, error.end_line)
        out["buildError"] = {"message": error.summary, "location": location}
    return out


def _location(report: LintReport, filename: str, start: int, end: int) -> dict[str, Any]:
    index = report.source(filename)[0]
    location: dict[str, Any] = {"sourceIndex": index} if index else {}
    return {**location, "ranges": _ranges(start, end)}


def source_excerpt(filename: str, data: bytes, start: int, end: int) -> str:
    """Lines ``start..end`` marked ``>>>`` with some context, as BuildKit prints a source."""
    lines = data.decode("utf-8", errors="replace").split("\n")
    if start > len(lines) or start < 1:
        return ""
    end = min(max(end, start), len(lines))
    first, last = start, end
    pad = 4 if end == start else 2
    p = 0
    while p < pad:
        if first > 1:
            first -= 1
            p += 1
        if last != len(lines):
            last += 1
            p += 1
        p += 1
    out = [f"{filename}:{start}", "-" * 20]
    for number in range(first, last + 1):
        marker = ">>>" if start <= number <= end else "   "
        out.append(f" {number:3d} | {marker} {lines[number - 1]}")
    out.append("-" * 20)
    return "\n".join(out) + "\n"


def results_text(report: LintReport) -> str:
    """``docker build --check`` output: a count, then each warning with its lines."""
    warnings = sorted(report.warnings, key=lambda w: w.line)
    out = []
    if len(warnings) == 1:
        out.append("Check complete, 1 warning has been found!\n")
    elif warnings:
        out.append(f"Check complete, {len(warnings)} warnings have been found!\n")
    for w in warnings:
        out.append(f"\nWARNING: {w.rule}" + (f" - {w.url}" if w.url else "") + "\n")
        out.append(w.message + "\n")
        name = w.filename if report.source(w.filename)[0] else report.filename
        out.append(source_excerpt(name, report.source(w.filename)[1], w.line, w.last_line))
    if not warnings and report.error is None:
        out.append("Check complete, no warnings found.\n")
    return printable("".join(out))


def error_text(report: LintReport) -> str:
    """The error that ended the build, with its lines (empty when there was none)."""
    error = report.error
    if error is None:
        return ""
    name = error.filename if report.source(error.filename)[0] else report.filename
    excerpt = source_excerpt(name, report.source(error.filename)[1], error.line, error.end_line)
    return printable(error.summary + "\n" + excerpt)
