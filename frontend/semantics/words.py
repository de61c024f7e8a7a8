"""Word expansion for the dispatch: the shell lexer of ``frontend.syntax.shell`` by options.

``expand_word`` is ProcessWord (one string, quotes removed, variables
expanded), ``expand_words`` ProcessWords (the same, split on unquoted
whitespace) and ``expand_word_matches`` ProcessWordWithMatches; each takes the
lexer's options as keywords (see ``Lex``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict, Unpack

from frontend.syntax.shell import MAX_EXPANSION, MAX_NESTING, Lex, WordError, WordMatches, plain

__all__ = [
    "MAX_EXPANSION",
    "MAX_NESTING",
    "WordError",
    "WordMatches",
    "expand_word",
    "expand_word_matches",
    "expand_words",
]


class LexOptions(TypedDict, total=False):
    """``Lex`` options besides the escape character."""

    raw_quotes: bool
    raw_escapes: bool
    skip_unset_env: bool
    skip_process_quotes: bool


def expand_word(
    word: str, env: Mapping[str, str], escape: str = "\\", **options: Unpack[LexOptions]
) -> str:
    """One word, expanded and unquoted."""
    if plain(word, escape):
        return word
    return Lex(escape, **options).process_word(word, env)


def expand_words(
    text: str, env: Mapping[str, str], escape: str = "\\", **options: Unpack[LexOptions]
) -> list[str]:
    """Expanded words split on unquoted whitespace."""
    return Lex(escape, **options).process_words(text, env)


def expand_word_matches(
    word: str, env: Mapping[str, str], escape: str = "\\", **options: Unpack[LexOptions]
) -> WordMatches:
    """Like ``expand_word``, also naming the variables found and not found in ``env``."""
    if plain(word, escape):
        return WordMatches(word, frozenset(), frozenset())
    return Lex(escape, **options).process_word_matches(word, env)
