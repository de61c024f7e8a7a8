"""Word splitting of text that is plain but for ``<``: the shortcut reads as the scan."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from frontend.syntax.shell import Lex, _Scanner, _Words

LEXERS = [Lex(), Lex(raw_quotes=True, raw_escapes=True, skip_unset_env=True), Lex(escape="`")]


def scanned(lex: Lex, text: str) -> list[str]:
    """What the full scan makes of ``text`` (no shortcut)."""
    words = _Words()
    _Scanner(lex, text, {}).run(words)
    return words.finish()


@given(st.text(alphabet="ab-=/<< \t\r\v\f\n:", max_size=30), st.sampled_from(LEXERS))
def test_text_with_heredoc_markers_splits_as_the_scan_splits_it(text: str, lex: Lex) -> None:
    assert lex.process_words(text, {}) == scanned(lex, text)


def test_a_marker_keeps_the_blanks_after_it() -> None:
    assert Lex().process_words("COPY << EOF\t/x <<-\tEOT <a<<<b", {}) == [
        "COPY",
        "<< EOF",
        "/x",
        "<<-",
        "EOT",
        "<a<<<b",
    ]
