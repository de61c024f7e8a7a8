"""A lean driver for the grammar's compiled LALR tables, for one short line at a time.

Lark's own ``parse`` sets up a lexer thread, parser state and tree builder on
every call, which costs more than parsing a typical instruction, and loading
a compiled ``Lark`` costs more than a line parser needs. ``line_tables`` takes
from a compiled ``Lark`` what parsing needs: the LALR table and, per parser
state, the pattern of Lark's contextual lexer. These are plain data (cached
with ``marshal`` by the parser), so parsing needs no Lark at all.

``LineParser`` runs them in one loop and, at each reduction, calls the
callback of the rule (a transformer's method, as Lark's ``transformer=``
option does) with the rule's children as Lark shapes them: rules and tokens
whose names start with ``_`` are inlined or dropped. No tree is built. A
state's pattern is compiled when first needed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # Lark is loaded only to compile the grammar
    import lark


class LineError(Exception):
    """Text the grammar does not read."""


class Token(str):
    """A terminal's text, with its name and where it starts."""

    type: str
    start_pos: int

    def __new__(cls, kind: str, value: str, pos: int) -> Token:
        token = str.__new__(cls, value)
        token.type, token.start_pos = kind, pos
        return token


_new_text = str.__new__

Callbacks = Mapping[str, Callable[[list[Any]], Any]]
"""Per rule name, what a reduction of the rule returns, given its children (a list
only for the start rule: the driver holds inlined rules' children as lists)."""


@dataclass(slots=True)
class Tree:
    """A rule's node: its name and children (trees and tokens), as Lark shapes it."""

    data: str
    children: list[Tree | Token]


def from_lark(tree: lark.Tree[lark.Token]) -> Tree:
    """The same tree as ``Tree`` and ``Token`` (without recursion)."""
    import lark

    root = Tree(str(tree.data), [])
    stack = [(tree, root)]
    while stack:
        source, target = stack.pop()
        for child in source.children:
            if isinstance(child, lark.Tree):
                node = Tree(str(child.data), [])
                target.children.append(node)
                stack.append((child, node))
            else:
                target.children.append(Token(child.type, str(child), child.start_pos or 0))
    return root


def transform(tree: Tree, callbacks: Callbacks) -> Any:
    """What the callbacks make of ``tree``, bottom-up (without recursion)."""
    done: dict[int, Any] = {}
    stack: list[tuple[Tree, bool]] = [(tree, False)]
    while stack:
        node, ready = stack.pop()
        if ready:
            children = [done.pop(id(c)) if isinstance(c, Tree) else c for c in node.children]
            done[id(node)] = callbacks[node.data](children)
            continue
        stack.append((node, True))
        stack += [(c, False) for c in node.children if isinstance(c, Tree)]
    return done[id(tree)]


class LineTables(NamedTuple):
    """What ``LineParser`` needs of a compiled grammar, as plain data."""

    table: dict[int, dict[str, int | tuple[str, int, bool]]]
    """Per state and symbol: the next state to shift (or go to), or ``(rule, size,
    inlined)`` to reduce."""
    starts: dict[str, tuple[int, int]]
    """Per start symbol: its first and its accepting state."""
    lexers: dict[int, tuple[str, int, frozenset[str]]]
    """Per state: the pattern matching its terminals (one named group each), its
    flags, and the terminals it skips."""


def line_tables(grammar: lark.Lark) -> LineTables | None:
    """The tables of ``lark`` (a compiled LALR grammar with the contextual lexer),
    or None when Lark's internals are not as this module expects."""
    try:
        from lark.parsers.lalr_analysis import Shift

        parse_table = grammar.parser.parser._parse_table
        table = {
            state: {
                str(symbol): int(arg)
                if action is Shift
                else (str(arg.origin.name), len(arg.expansion), arg.origin.name[0] == "_")
                for symbol, (action, arg) in actions.items()
            }
            for state, actions in parse_table.states.items()
        }
        lexers = {}
        for state, lexer in grammar.parser.lexer.lexers.items():
            (pattern,) = lexer.scanner._mres  # one regular expression per state
            if lexer.callback:  # terminals retyped by value: not plain data
                return None
            ignore = frozenset(map(str, lexer.ignore_types))
            lexers[state] = (str(pattern.pattern), int(pattern.flags), ignore)
        starts = {
            str(name): (state, parse_table.end_states[name])
            for name, state in parse_table.start_states.items()
        }
        return LineTables(table, starts, lexers)
    except (AttributeError, ImportError, ValueError):
        return None


def number_states(grammar: lark.Lark) -> bool:
    """Renumber the LALR states of ``grammar`` (built, not yet used) in a fixed order.

    Lark numbers them as its sets happen to iterate, which differs between runs;
    here they are numbered breadth-first from the start states, each state's
    actions in symbol order, so that one grammar always saves to the same bytes.
    Returns False, changing nothing, when Lark's internals are not as expected.
    """
    try:
        from lark.parsers.lalr_analysis import Shift

        table = grammar.parser.parser._parse_table
        states = table.states
        starts = [table.start_states[name] for name in sorted(table.start_states)]
        number: dict[int, int] = {}
        for state in starts:
            number.setdefault(state, len(number))
        order = list(number)
        for state in order:  # grows while it is walked: breadth-first
            for symbol in sorted(states[state]):
                action, arg = states[state][symbol]
                if action is Shift and arg not in number:
                    number[arg] = len(number)
                    order.append(arg)
        if len(number) != len(states):
            return False
        renumbered = {
            number[state]: {
                symbol: (action, number[arg] if action is Shift else arg)
                for symbol, (action, arg) in sorted(states[state].items())
            }
            for state in order
        }
        grammar.parser.parser._parse_table = type(table)(
            renumbered,
            {name: number[s] for name, s in sorted(table.start_states.items())},
            {name: number[s] for name, s in sorted(table.end_states.items())},
        )
    except (AttributeError, ImportError, KeyError, TypeError):
        return False
    return True


MAX_PATHS = 4096
"""Most token-kind sequences ``LineParser`` remembers (the nodes of its trie)."""
MAX_PATH_TOKENS = 64
"""Longest token-kind sequence it remembers; longer lines are parsed by the table."""

Plan = tuple[tuple[str, tuple[int, ...]], ...]
"""A line's reductions in order: each rule's name and its children, by index in a list
that holds the line's tokens and then each reduction's value in turn."""


class _Path:
    """A sequence of token kinds: the lexer state that reads the next token, the
    sequences one more token makes, and, when a line can end here, its plan."""

    __slots__ = ("next", "plan", "state")

    def __init__(self, state: int) -> None:
        self.state = state
        self.next: dict[str, _Path] = {}
        self.plan: Plan | None = None


class LineParser:
    """Parses text from one start symbol with ``LineTables``.

    Which reductions a line takes depends only on the kinds of its tokens, and so
    does which lexer state reads each token: a trie of the kind sequences met so
    far (up to ``MAX_PATHS`` nodes of ``MAX_PATH_TOKENS`` kinds) holds, per
    sequence, the lexer states and the reductions (a ``Plan``), so that a line
    like one already seen takes only its regular expression matches and its
    callbacks. Other lines are run through the table: a sequence met for the
    first time is kept, and its plan recorded when it is met again (most lines
    of a file are met once).
    """

    def __init__(self, tables: LineTables, start: str = "line") -> None:
        self.tables = tables
        self.start, self.end = tables.starts[start]
        size = max(tables.table) + 1
        self.table = tables.table
        self.scanners: list[re.Pattern[str] | None] = [None] * size
        self.ignore: list[frozenset[str]] = [frozenset()] * size  # set with the scanner
        self.root, self.paths = _Path(self.start), 1

    def _scanner(self, state: int) -> re.Pattern[str]:
        pattern, flags, self.ignore[state] = self.tables.lexers[state]
        scanner = self.scanners[state] = re.compile(pattern, flags)
        return scanner

    def parse(self, text: str, callbacks: Callbacks) -> Any:
        """What the start rule's callback returns for ``text``; raises ``LineError``
        on text the grammar does not read."""
        scanners, ignore = self.scanners, self.ignore
        path: _Path | None = self.root
        values: list[Any] = []
        pos, end = 0, len(text)
        while pos < end and path is not None:
            state = path.state
            found = (scanners[state] or self._scanner(state)).match(text, pos)
            if found is None:
                raise LineError(f"no terminal matches at {pos}")
            kind, start, pos = found.lastgroup or "", pos, found.end()
            if kind[0] != "_":
                token = _new_text(Token, text[start:pos])  # Token() without the call
                token.type, token.start_pos = kind, start
                values.append(token)
            elif kind in ignore[state]:
                continue
            path = path.next.get(kind)
        plan = path.plan if path is not None else None
        if plan is None:  # its plan is recorded when the sequence is met again
            return self._by_table(text, callbacks, planning=path is not None)
        for name, children in plan:
            values.append(callbacks[name]([values[i] for i in children]))
        return values[-1]

    def _by_table(self, text: str, callbacks: Callbacks, planning: bool) -> Any:
        """What the start rule's callback returns for ``text``, parsed by the table
        (callbacks called at each reduction). A line of at most ``MAX_PATH_TOKENS``
        tokens leaves its kind sequence in the trie while it has room and, when
        ``planning``, its plan."""
        table, ignore, end_state = self.table, self.ignore, self.end
        state = self.start
        stack = [state]
        values: list[Any] = []  # per stack entry: a token, None, a list (inlined) or a value
        refs: list[Any] = []  # the same, with a token's index or ~(a reduction's) for each
        kinds: list[str] = []
        states: list[int] = []  # the lexer state of each token, then the state at the end
        steps: list[tuple[str, list[int]]] = []
        tracing, count = planning or self.paths < MAX_PATHS, 0  # to plan: in the trie already
        pos, end = 0, len(text)
        while True:
            token: Token | None = None
            if pos < end:
                found = (self.scanners[state] or self._scanner(state)).match(text, pos)
                if found is None:
                    raise LineError(f"no terminal matches at {pos}")
                kind, start, pos = found.lastgroup or "", pos, found.end()
                if kind[0] != "_":
                    token = _new_text(Token, text[start:pos])
                    token.type, token.start_pos = kind, start
                elif kind in ignore[state]:
                    continue
            else:
                kind = "$END"
            if tracing and len(kinds) > MAX_PATH_TOKENS:  # too long to remember
                tracing = planning = False
            if tracing:
                kinds.append(kind)
                states.append(state)
            while True:
                step = table[state].get(kind)
                if step.__class__ is int:  # shift
                    state = step
                    stack.append(state)
                    values.append(token)
                    if planning:
                        refs.append(None if token is None else count)
                        count += token is not None
                    break
                if step is None:
                    raise LineError(f"unexpected {kind} at {pos}")
                name, size, inlined = step  # type: ignore[misc]
                del stack[len(stack) - size :]
                flat = _children(values, size)
                if planning:
                    flat_refs = _children(refs, size)
                    if not inlined:
                        steps.append((name, flat_refs))
                    refs.append(flat_refs if inlined else ~(len(steps) - 1))
                state = table[stack[-1]][name]  # type: ignore[assignment]
                stack.append(state)
                values.append(flat if inlined else callbacks[name](flat))
                if state == end_state and kind == "$END":
                    if tracing:  # in a plan, a reduction's value follows the tokens
                        plan = tuple(
                            (name, tuple(i if i >= 0 else count + ~i for i in children))
                            for name, children in steps
                        )
                        self._remember(kinds[:-1], states, plan if planning else None)
                    return values[-1]

    def _remember(self, kinds: list[str], states: list[int], plan: Plan | None) -> None:
        if len(kinds) > MAX_PATH_TOKENS:
            return
        path = self.root
        for kind, state in zip(kinds, states[1:], strict=True):
            found = path.next.get(kind)
            if found is None:
                if self.paths >= MAX_PATHS:
                    return
                found = path.next[kind] = _Path(state)
                self.paths += 1
            path = found
        path.plan = plan


def _children(stack: list[Any], size: int) -> list[Any]:
    """The children of a reduction of ``size`` symbols, taken off ``stack``: inlined
    rules' lists spliced in, dropped tokens (None) left out."""
    if size == 1:  # the most common reduction, without the general case's lists
        child = stack.pop()
        return child if child.__class__ is list else [] if child is None else [child]
    children = stack[len(stack) - size :]
    del stack[len(stack) - size :]
    flat: list[Any] = []
    if children and children[0].__class__ is list:  # ``x*``: the list grows in place
        flat = children.pop(0)
    for child in children:
        if child.__class__ is list:
            flat += child
        elif child is not None:
            flat.append(child)
    return flat
