"""A lean driver for the grammar's compiled LALR tables, for one short line at a time.

Lark's own ``parse`` sets up a lexer thread, parser state and tree builder on
every call, which costs more than parsing a typical instruction, and loading
a compiled ``Lark`` costs more than a line parser needs. ``line_tables`` takes
from a compiled ``Lark`` what parsing needs: the LALR table and, per parser
state, the pattern of Lark's contextual lexer. These are plain data (cached
with ``marshal`` by the parser), so parsing needs no Lark at all. Each
pattern is also kept as the program ``re`` compiles it to: a process loads it
without running ``re``'s compiler, which took most of a file's first parse.

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

    __slots__ = ("start_pos", "type")  # no instance dict: a line makes a few tokens
    type: str
    start_pos: int

    def __new__(cls, kind: str, value: str, pos: int) -> Token:
        token = str.__new__(cls, value)
        token.type, token.start_pos = kind, pos
        return token


_new_text = str.__new__

Callbacks = Mapping[str, Callable[[list[Any]], Any]]
"""Per rule name, what a reduction of the rule returns, given its children."""


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


RegexCode = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]
"""What ``re.compile`` hands the regular expression engine for a pattern, besides the
pattern: its flags, its compiled program, and its groups (count, by name, by number).
The program is the same on every little-endian platform of a Python version (amd64
and arm64: the image's tables are made on the build platform)."""


def regex_code(pattern: str, flags: int) -> RegexCode | None:
    """The engine's program for ``pattern``, as ``re.compile`` makes it (None when this
    Python's ``re`` is not as expected). ``re`` cannot save a compiled expression; the
    tables keep this, and ``compiled_regex`` skips ``re``'s pure-Python compiler."""
    try:
        from re import _compiler, _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern, flags)
        state = parsed.state
        groups: dict[str, int] = {str(k): int(v) for k, v in state.groupdict.items()}
        by_number: list[str | None] = [None] * state.groups
        for name, number in groups.items():
            by_number[number] = name
        code = [int(op) for op in _compiler._code(parsed, flags)]  # opcodes are int subclasses
        made = (int(flags | state.flags), code, int(state.groups - 1), groups, tuple(by_number))
        if compiled_regex(pattern, made) != re.compile(pattern, flags):
            return None
    except (AttributeError, ImportError, TypeError, ValueError, re.error):
        return None
    return made


def compiled_regex(pattern: str, code: RegexCode) -> re.Pattern[str] | None:
    """``pattern`` compiled from its saved program (None when the engine refuses it)."""
    try:
        import _sre  # type: ignore[import-not-found]  # re.compile's last step

        made: re.Pattern[str] = _sre.compile(pattern, *code)
    except (ImportError, TypeError, ValueError, RuntimeError):
        return None
    return made


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
    programs: dict[tuple[str, int], RegexCode]
    """Per pattern and flags of ``lexers``: its compiled program (``regex_code``), where
    this Python's ``re`` gave one."""


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
        programs = {}
        for pattern, flags, _ in sorted(set(lexers.values()), key=lambda lexer: lexer[0]):
            code = regex_code(pattern, flags)
            if code is not None:
                programs[pattern, flags] = code
        return LineTables(table, starts, lexers, programs)
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


class LineParser:
    """Parses text from one start symbol with ``LineTables``."""

    def __init__(self, tables: LineTables, start: str = "line") -> None:
        self.tables = tables
        self.start, self.end = tables.starts[start]
        size = max(tables.table) + 1
        self.table = [tables.table.get(state, {}) for state in range(size)]
        self.scanners: list[re.Pattern[str] | None] = [None] * size
        self.by_pattern: dict[tuple[str, int], re.Pattern[str]] = {}
        self.ignore = [
            tables.lexers[s][2] if s in tables.lexers else frozenset() for s in range(size)
        ]

    def _scanner(self, state: int) -> re.Pattern[str]:
        """The state's pattern, compiled at its first use (from its saved program, if any;
        states that share a pattern share it)."""
        pattern, flags, _ = self.tables.lexers[state]
        scanner = self.by_pattern.get((pattern, flags))
        if scanner is None:
            code = self.tables.programs.get((pattern, flags))
            scanner = (code and compiled_regex(pattern, code)) or re.compile(pattern, flags)
            self.by_pattern[pattern, flags] = scanner
        self.scanners[state] = scanner
        return scanner

    def parse(self, text: str, callbacks: Callbacks) -> Any:
        """What the start rule's callback returns for ``text``; raises ``LineError``
        on text the grammar does not read."""
        table, scanners, ignore, end_state = self.table, self.scanners, self.ignore, self.end
        state = self.start
        stack = [state]
        values: list[Any] = []
        pos, end = 0, len(text)
        while True:
            token: Token | None = None
            if pos < end:
                found = (scanners[state] or self._scanner(state)).match(text, pos)
                if found is None:
                    raise LineError(f"no terminal matches at {pos}")
                kind, start, pos = found.lastgroup or "", pos, found.end()
                if kind[0] != "_":
                    token = _new_text(Token, text[start:pos])  # Token() without the call
                    token.type, token.start_pos = kind, start
                elif kind in ignore[state]:
                    continue
            else:
                kind = "$END"
            while True:
                try:
                    step = table[state][kind]
                except KeyError:
                    raise LineError(f"unexpected {kind} at {pos}") from None
                if step.__class__ is int:  # shift
                    state = step
                    stack.append(state)
                    values.append(token)
                    break
                name, size, inlined = step  # type: ignore[misc]
                if size == 1:
                    if inlined:  # a unit rule that is inlined: the value stays
                        state = stack[-1] = table[stack[-2]][name]  # type: ignore[assignment]
                        continue
                    # the most common reduction, without the general case's lists
                    child = values[-1]
                    flat = child if child.__class__ is list else [] if child is None else [child]
                    state = stack[-1] = table[stack[-2]][name]  # type: ignore[assignment]
                    values[-1] = callbacks[name](flat)
                else:
                    flat = []
                    if size:
                        children = values[-size:]
                        del stack[-size:]
                        del values[-size:]
                        if children[0].__class__ is list:  # ``x*``: the list grows in place
                            flat = children[0]
                            del children[0]
                        for child in children:
                            if child.__class__ is list:
                                flat.extend(child)
                            elif child is not None:
                                flat.append(child)
                    state = table[stack[-1]][name]  # type: ignore[assignment]
                    stack.append(state)
                    values.append(flat if inlined else callbacks[name](flat))
                if state == end_state and kind == "$END":
                    return values[-1]
