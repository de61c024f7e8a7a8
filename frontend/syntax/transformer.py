"""The grammar's transformer for the typed AST: each line straight to its typed instruction.

``TypedBuilder`` reads the grammar's rules as ``parser.Builder`` does (the
same syntax checks, heredocs and ONBUILD triggers), but at the reduction of the
line's instruction rule, instead of a raw node, it hands the instruction's
parts, with its location, to the per-keyword builders of ``instructions``. An
instruction's error is returned, not raised: ``frontend.syntax.parse`` raises
it once the whole file has been read.
"""

from __future__ import annotations

from typing import Any

from frontend.errors import DockerfileError
from frontend.syntax import ast
from frontend.syntax.instructions import Request, build, flags_at
from frontend.syntax.nodes import Heredoc
from frontend.syntax.parser import INSTRUCTIONS, Builder, Draft, Whole
from frontend.syntax.prelex import Prelexer
from frontend.syntax.wording import CURRENT, Wording


class TypedBuilder(Builder):
    """``Builder`` for the typed AST; ``empty_continuations`` collects the lines
    where a blank continuation line ends an instruction."""

    def __init__(
        self, lexer: Prelexer, empty_continuations: list[int], wording: Wording = CURRENT
    ) -> None:
        super().__init__(lexer)
        self.empty_continuations, self.wording = empty_continuations, wording

    def instruction(self, c: list[Any]) -> Any:
        """The rule's typed instruction (or its error) with its location, read from the
        rule's children; ONBUILD's trigger is typed with its instruction."""
        draft = Builder.instruction(self, c)
        if draft.start:  # a trigger (the line's instruction starts the line)
            return draft
        logical = self.logical
        # With no trigger, no heredoc and the directives read, ``whole`` would only
        # repeat the line's own parts: the common case skips it.
        if draft.sub is None and self.extensions is not None and "<<" not in logical.text:
            return self._typed(draft, (), (logical.start_line, logical.end_line), logical.text)
        return self.finish(self.whole(draft))

    def line(self, c: list[Any]) -> Any:
        """The line's typed instruction, built by its rule (a blank line has none)."""
        done = c[0]
        return self.finish(self.whole(done)) if done.__class__ is Draft else done

    def finish(self, whole: Whole) -> ast.Instruction | DockerfileError:
        """The line's typed instruction, or its error."""
        draft, triggers, docs, end_line, original = whole
        logical, wording = self.logical, self.wording
        lines, sub = (logical.start_line, end_line), None
        for trigger, column in reversed(triggers):
            form = (trigger.value, trigger.json, trigger.legacy)
            given = flags_at(trigger.flags, trigger.flag_starts, column)
            sub = Request(trigger.cmd, given, form, lines, column, self.written[trigger.start :],
                          docs, sub, trigger.args_start, wording=wording)  # fmt: skip
        return self._typed(draft, docs, lines, original, sub)

    def _typed(
        self,
        draft: Draft,
        docs: tuple[Heredoc, ...],
        lines: tuple[int, int],
        original: str,
        sub: Request | None = None,
    ) -> ast.Instruction | DockerfileError:
        """The line's typed instruction, or its error, from its parts (a blank line
        inside its continuation is noted in ``empty_continuations``)."""
        logical, wording = self.logical, self.wording
        if logical.empty_continuation:
            self.empty_continuations.append(logical.end_line)
        column, extensions = logical.column, self.extensions
        assert extensions is not None
        given = flags_at(draft.flags, draft.flag_starts, column)
        req = Request(draft.cmd, given, (draft.value, draft.json, draft.legacy), lines, column,
                      original, docs, sub, draft.args_start, logical.comments,
                      extensions, wording)  # fmt: skip
        try:
            return build(req)
        except DockerfileError as exc:
            return exc


for _rule in INSTRUCTIONS:  # for Lark's ``transformer=``, which looks rules up by name
    setattr(TypedBuilder, _rule, TypedBuilder.instruction)
