"""The harness itself, checked with the built-in frontend alone."""

from __future__ import annotations

import hashlib

import pytest

from .harness import assert_same_image, build, snapshot

pytestmark = pytest.mark.e2e

KNOWN = """
FROM busybox
COPY --chown=1000:2000 data.txt /data.txt
RUN ln -s data.txt /link && chmod 640 /data.txt && date > /run-stamp
ENV MARK=one
"""


def test_snapshot_reads_files_links_owners_and_config() -> None:
    image = build(KNOWN, {"data.txt": "known\n"}, frontend="builtin")
    tree, config = snapshot(image)
    digest = hashlib.sha256(b"known\n").hexdigest()
    assert tree["/data.txt"] == ("file", 0o640, 1000, 2000, digest)
    assert tree["/link"] == ("symlink", 0o777, 0, 0, "data.txt")
    assert tree["/bin"][0] == "dir"
    assert "MARK=one" in config["Config"]["Env"]
    assert config["History"][0]["CreatedBy"] == "ENV MARK=one"
    assert "Id" not in config and "Created" not in config


def test_rebuilds_compare_equal_despite_new_ids_and_times() -> None:
    first = build(KNOWN, {"data.txt": "known\n"}, frontend="builtin", no_cache=True)
    second = build(KNOWN, {"data.txt": "known\n"}, frontend="builtin", no_cache=True)
    assert first != second
    different = build(KNOWN.replace("date", "echo"), {"data.txt": "known\n"}, frontend="builtin")
    with pytest.raises(AssertionError):
        assert_same_image(first, different)  # /run-stamp differs in content
    snapshot_first = snapshot(first)
    snapshot_second = snapshot(second)
    assert snapshot_first.config == snapshot_second.config
    assert {p: e for p, e in snapshot_first.tree.items() if p != "/run-stamp"} == {
        p: e for p, e in snapshot_second.tree.items() if p != "/run-stamp"
    }


def test_differences_are_reported_readably() -> None:
    a = build(KNOWN, {"data.txt": "known\n"}, frontend="builtin")
    b = build(
        KNOWN.replace("MARK=one", "MARK=two").replace("640", "600"),
        {"data.txt": "other\n", "extra.txt": "x"},
        frontend="builtin",
    )
    with pytest.raises(AssertionError) as failure:
        assert_same_image(a, b)
    message = str(failure.value)
    assert "file /data.txt: file 0640 1000:2000" in message
    assert "0600 1000:2000" in message
    assert 'config -Config.Env[1] = "MARK=one"' in message
    assert 'config +Config.Env[1] = "MARK=two"' in message
