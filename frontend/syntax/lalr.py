"""A lean driver for the grammar's compiled LALR tables, for one short line at a time.

Lark's own ``parse`` sets up a lexer thread, parser state and tree builder on
every call, which costs more than parsing a typical instruction. ``LineParser``
runs the same tables and the same per-state lexers (Lark's contextual lexer)
in one loop and builds the same tree: rules and tokens whose names start with
``_`` are inlined or dropped. When Lark's internals are not as expected, it
falls back to Lark's ``parse``.
"""

from __future__ import annotations

from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput
from lark.parsers.lalr_analysis import Shift

_Scanner = tuple[Any, frozenset[str], dict[str, Any]]


def _token(kind: str, value: str, pos: int) -> Token:
    """A ``Token`` with only its type, value and start set (``Token()`` costs more)."""
    token: Token = str.__new__(Token, value)
    token.type, token.value, token.start_pos = kind, value, pos
    return token


class LineParser:
    """Parses text from one start symbol of a compiled LALR ``Lark``."""

    def __init__(self, lark: Lark, start: str) -> None:
        self.lark = lark
        self.start = start
        try:
            table = lark.parser.parser._parse_table
            self.states: dict[int, dict[str, tuple[Any, Any]]] = table.states
            self.start_state: int = table.start_states[start]
            self.end_state: int = table.end_states[start]
            self.scanners: dict[int, _Scanner] = {}
            for state, lexer in lark.parser.lexer.lexers.items():
                (pattern,) = lexer.scanner._mres  # one regular expression per state
                self.scanners[state] = (pattern, frozenset(lexer.ignore_types), lexer.callback)
            # shift: (None, next state); reduce: (rule name, size, inlined?)
            self.table: dict[int, dict[str, tuple[Any, ...]]] = {
                state: {
                    symbol: (None, arg)
                    if action is Shift
                    else (arg.origin.name, len(arg.expansion), arg.origin.name[0] == "_")
                    for symbol, (action, arg) in actions.items()
                }
                for state, actions in self.states.items()
            }
        except (AttributeError, ValueError):  # another Lark than the one this was written for
            self.states = {}

    def parse(self, text: str) -> Tree[Token]:
        """The tree of ``text``; raises ``UnexpectedInput`` (a ``LarkError``) on bad input."""
        if not self.states:
            return self.lark.parse(text, start=self.start)
        table, scanners = self.table, self.scanners
        stack = [self.start_state]
        values: list[Any] = []
        pos, end = 0, len(text)
        while True:
            if pos < end:
                pattern, ignore, callbacks = scanners[stack[-1]]
                found = pattern.match(text, pos)
                if found is None:
                    raise UnexpectedInput(f"no terminal matches at {pos}")
                value, kind = found.group(), found.lastgroup
                token: Token | None = None
                if kind in callbacks:
                    token = callbacks[kind](Token(kind, value, pos))
                    kind = token.type
                elif kind[0] != "_":
                    token = _token(kind, value, pos)
                pos += len(value)
                if kind in ignore:
                    continue
            else:
                kind, token = "$END", None
            while True:
                actions = table[stack[-1]]
                if kind not in actions:
                    raise UnexpectedInput(f"unexpected {kind} at {pos}")
                step = actions[kind]
                name = step[0]
                if name is None:
                    stack.append(step[1])
                    values.append(token)
                    break
                size, inline = step[1], step[2]
                if inline and size == 1:  # a unit rule that is inlined: the value stays
                    del stack[-1]
                    stack.append(table[stack[-1]][name][1])
                    continue
                children = values[-size:] if size else []
                if size:
                    del stack[-size:]
                    del values[-size:]
                flat: list[Any] = []
                for child in children:
                    if child.__class__ is list:
                        flat.extend(child)
                    elif child is not None:
                        flat.append(child)
                stack.append(table[stack[-1]][name][1])
                values.append(flat if inline else Tree(name, flat))
                if kind == "$END" and stack[-1] == self.end_state:
                    result: Tree[Token] = values[-1]
                    return result
