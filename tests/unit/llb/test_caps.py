"""LLB caps: a current engine (no list) supports everything; a list means just that."""

from __future__ import annotations

from frontend.llb import caps
from frontend.llb.caps import LLBCaps


def test_unknown_engine_supports_everything() -> None:
    assert LLBCaps().supports(caps.MERGE_OP)


def test_listed_caps_only() -> None:
    engine = LLBCaps(frozenset({caps.FILE_BASE, caps.EXEC_MOUNT_CACHE}))
    assert engine.supports(caps.FILE_BASE)
    assert not engine.supports(caps.MERGE_OP)
    assert engine == LLBCaps(frozenset({caps.EXEC_MOUNT_CACHE, caps.FILE_BASE}))
    assert engine != LLBCaps()


def test_field_order_follows_the_engine_version() -> None:
    assert LLBCaps().oneof_last
    assert not LLBCaps(frozenset({caps.FILE_BASE})).oneof_last  # BuildKit 0.8
    assert LLBCaps(frozenset({caps.FILE_BASE, caps.EXEC_VALID_EXIT_CODE})).oneof_last


def test_release_is_the_newest_marker_cap_present() -> None:
    assert LLBCaps(frozenset({caps.FILE_BASE})).release == (0, 8)
    assert LLBCaps(frozenset({caps.MERGE_OP, caps.SOURCE_OCI_LAYOUT})).release == (
        0,
        11,
    )
    assert LLBCaps(frozenset({caps.EXEC_VALID_EXIT_CODE})).release == (0, 17)
    assert LLBCaps().release >= (0, 26)
