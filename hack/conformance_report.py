"""Compare two runs of BuildKit's Dockerfile suite (result dirs of the harness).

    conformance_report.py REF_DIR OURS_DIR
        counts for both, then the tests that pass for the reference and not for
        ours, grouped by the first error line of each (from OURS_DIR/go-test.log)
    conformance_report.py --find-reuse IMAGE REGEX IMAGE_ID RESULTS_DIR
        prints the newest finished run of IMAGE (same image id, and the same test
        regex or the whole suite) under RESULTS_DIR, or nothing

A result dir holds ``summary.json`` ({subtest: pass|fail|skip}), ``go-test.log``
(``go test -v``) and ``info.txt`` (``key=value`` words).
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

PREFIX = "TestIntegration/"
UNIT_SUFFIX = re.compile(r"/worker=oci/frontend=gateway")
_ERROR = re.compile(r"^\s+Error:\s+(.*)$")
_MORE = re.compile(r"^\s+\t\s*\t(\S.*)$")  # a continuation line of a testify field
_TEST = re.compile(r"^\s+Test:\s+(\S+)")
_VOLATILE = [
    (re.compile(r"sha256:[0-9a-f]{12,}"), "sha256:…"),
    (re.compile(r"\b[0-9a-z]{25,}\b"), "…"),
    (re.compile(r"(?<![\w.])/(?:[\w.-]+/){2,}[\w.-]*"), "<path>"),  # a test's temporary dir
]


def _info(result: Path) -> dict[str, str]:
    text = (result / "info.txt").read_text() if (result / "info.txt").exists() else ""
    return dict(w.split("=", 1) for w in text.split() if "=" in w)


def find_reuse(image: str, regex: str, image_id: str, results: Path) -> Path | None:
    """The newest finished run of ``image`` (with ``image_id``) over ``regex`` or over
    the whole suite (the report compares only the tests both ran)."""
    runs = sorted(results.glob("*/info.txt"), key=lambda p: p.stat().st_mtime, reverse=True)
    for info_path in runs:
        info = _info(info_path.parent)
        same = (info.get("image"), info.get("id")) == (image, image_id)
        covers = info.get("regex") in (regex, ".*")
        if same and covers and "finished" in info and (info_path.parent / "summary.json").exists():
            return info_path.parent
    return None


def first_errors(log: Iterable[str]) -> dict[str, str]:
    """The first ``Error:`` testify printed for each (sub)test: its line, and the next
    one when the first is a heading (``Received unexpected error:``)."""
    found: dict[str, str] = {}
    message = ""
    for line in log:
        if match := _ERROR.match(line):
            message = message or match.group(1).strip()
        elif message.endswith(":") and (match := _MORE.match(line)):
            message = f"{message} {match.group(1).strip()}"
        elif (match := _TEST.match(line)) and message:
            found.setdefault(match.group(1), message)
            message = ""
    return found


def short(name: str) -> str:
    return UNIT_SUFFIX.sub("", name.removeprefix(PREFIX))


def _normalized(message: str) -> str:
    for pattern, repl in _VOLATILE:
        message = pattern.sub(repl, message)
    return message[:200]


def counts(summary: Mapping[str, str]) -> str:
    n = {k: sum(v == k for v in summary.values()) for k in ("pass", "fail", "skip")}
    return f"{n['pass']} passed, {n['fail']} failed, {n['skip']} skipped of {len(summary)}"


def report(ref_dir: Path, ours_dir: Path) -> str:
    ours = json.loads((ours_dir / "summary.json").read_text())
    ref_all = json.loads((ref_dir / "summary.json").read_text())
    ref = {name: v for name, v in ref_all.items() if name in ours}  # what both ran
    with (ours_dir / "go-test.log").open(errors="replace") as log:
        errors = first_errors(log)
    out = [
        f"reference {_info(ref_dir).get('image', '?')}: {counts(ref)}  ({ref_dir})",
        f"ours      {_info(ours_dir).get('image', '?')}: {counts(ours)}  ({ours_dir})",
    ]
    if len(ref) < len(ref_all):
        out.insert(1, f"  (of its {len(ref_all)} tests: {counts(ref_all)})")
    behind = sorted(n for n, v in ref.items() if v == "pass" and ours.get(n) != "pass")
    ahead = sorted(n for n, v in ours.items() if v == "pass" and ref.get(n) != "pass")
    groups: dict[str, list[str]] = defaultdict(list)
    for name in behind:
        own = [m for k, m in errors.items() if k == name or k.startswith(name + "/")]
        first = own[0] if own else "(no assertion message; see the log)"
        groups[_normalized(first)].append(short(name))
    out.append(f"\npass for the reference, not for ours: {len(behind)}")
    for message, names in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0])):
        out.append(f"\n  {message}")
        out.extend(f"    {n}" for n in names)
    if ahead:
        out.append(f"\npass for ours, not for the reference: {len(ahead)}")
        out.extend(f"    {short(n)}" for n in ahead)
    return "\n".join(out)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--find-reuse"] and len(argv) == 5:
        found = find_reuse(argv[1], argv[2], argv[3], Path(argv[4]))
        if found is not None:
            print(found)
        return 0
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    print(report(Path(argv[0]), Path(argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
