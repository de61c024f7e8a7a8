"""Persistent collections: every version stays as it was, whichever is derived from."""

from __future__ import annotations

from frontend.persistent import Chain, Vars


def test_vars_versions_are_independent() -> None:
    base = Vars([("A", "1"), ("B", "2")])
    moved = base.set("A", "3")
    grown = moved.set("C", "4")
    in_place = base.set("A", "9", in_place=True)  # from an older version: rolled back
    assert list(base.items_tuple()) == [("A", "1"), ("B", "2")]
    assert list(moved.items_tuple()) == [("B", "2"), ("A", "3")]
    assert list(grown.items_tuple()) == [("B", "2"), ("A", "3"), ("C", "4")]
    assert list(in_place.items_tuple()) == [("A", "9"), ("B", "2")]
    assert moved.get("C") is None and grown["C"] == "4" and "C" not in base
    assert grown.set("D", "5")["D"] == "5" and "D" not in grown


def test_vars_compare_by_contents() -> None:
    assert Vars([("A", "1")]).set("B", "2") == Vars([("A", "1"), ("B", "2")])
    assert Vars([("A", "1")]) != Vars([("A", "2")])
    assert len({Vars([("A", "1")]), Vars([("A", "1")])}) == 1


def test_chain_versions_are_independent() -> None:
    start = Chain([1, 2])
    one = start.append(3)
    other = start.append(4)
    assert one.to_tuple() == (1, 2, 3) and other.to_tuple() == (1, 2, 4)
    assert start.to_tuple() == (1, 2) and len(one.append(5)) == 4
    assert one[-1] == 3 and one[1:] == (2, 3) and list(one) == [1, 2, 3]


def test_vars_branches_read_alternately() -> None:
    """Two versions derived from one, read in turn (as the checks and the compiler do)."""
    start = Vars([("A", "0")])
    left, right = start, start
    for i in range(50):
        left, right = left.set(f"L{i}", str(i)), right.set("A", str(i), in_place=True)
        assert left["A"] == "0" and right["A"] == str(i) and "L0" not in right
    assert len(left) == 51 and len(right) == 1 and start["A"] == "0"
    assert list(left)[:2] == ["A", "L0"] and list(left.set("A", "x"))[-1] == "A"
