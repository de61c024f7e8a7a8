"""Word expansion: BuildKit shell-lexer behaviour, case tables plus properties."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from frontend.semantics.words import (
    MAX_NESTING,
    WordError,
    expand_word,
    expand_word_matches,
    expand_words,
)
from frontend.syntax.shell import Lex, _Scanner, _Words, plain
from tests.unit.growth import assert_linear

ENV = {
    "HOME": "/root",
    "EMPTY": "",
    "NAME": "web",
    "SPACED": " a  b ",
    "FILE": "site.tar.gz",
    "URL": "https://example.com/a/b",
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "STARS": "a*b?c",
    "LINES": "one\ntwo\nthree",
    "UNI": "größe-日本",
    "lower": "small",
    "PAT": "*.",
    "SLASHES": "a/b/c",
    "BRACE": "{x}",
    "HASHED": "##x",
    "META": "(x)[y]^$|+",
    "UNDER_SCORE": "u",
    "BS": "\\x*y",
    "größe": "big",
    "日本": "jp",
}


def cases(*rows: tuple[str, str]) -> list[object]:
    return [pytest.param(word, want, id=repr(word)) for word, want in rows]


QUOTES = cases(
    ("hello", "hello"),
    ("", ""),
    ("a b\tc", "a b\tc"),
    ("'single $HOME'", "single $HOME"),
    ("'a\\b'", "a\\b"),
    ("'it'\\''s'", "it's"),
    ('"double $HOME"', "double /root"),
    ('"a\\"b"', 'a"b'),
    ('"a\\$HOME"', "a$HOME"),
    ('"a\\\\b"', "a\\b"),
    ('"a\\nb"', "a\\nb"),
    ('"a\\`b"', "a\\`b"),
    ('"a\\\nb"', "a\\\nb"),
    ('"it\'s"', "it's"),
    ("'\"q\"'", '"q"'),
    ("a\"b\"c'd'e", "abcde"),
    ('""', ""),
    ("''", ""),
    ('"$"', "$"),
    ('"${NAME}s"', "webs"),
    ("'${NAME}'", "${NAME}"),
    ("\"'$NAME'\"", "'web'"),
    ("'日本'語", "日本語"),
)

ESCAPES = cases(
    ("a\\ b", "a b"),
    ("\\$HOME", "$HOME"),
    ("\\\\$HOME", "\\/root"),
    ("abc\\", "abc"),
    ("abc\\\\", "abc\\"),
    ("\\x", "x"),
    ("\\'", "'"),
    ('\\"', '"'),
    ("\\${NAME}", "${NAME}"),
    ("$\\{NAME}", "${NAME}"),
    ("a\\\nb", "a\nb"),
    ("\\日本", "日本"),
    ("\\", ""),
)

VARIABLES = cases(
    ("$HOME", "/root"),
    ("${HOME}", "/root"),
    ("$HOME/x", "/root/x"),
    ("$HOMEx", ""),
    ("${HOME}x", "/rootx"),
    ("$UNSET", ""),
    ("a${UNSET}b", "ab"),
    ("$lower", "small"),
    ("$LOWER", ""),
    ("$NAME.$NAME", "web.web"),
    ("$NAME-1", "web-1"),
    ("$UNDER_SCORE", "u"),
    ("$größe!", "big!"),
    ("$日本", "jp"),
    ("${NAME}${NAME}", "webweb"),
    ("${NAME}}", "web}"),
    ("$NAME{x}", "web{x}"),
    ("{}", "{}"),
    ("${/a/b}", ""),
    ("\ufeff$NAME", "web"),
    ("a\ufeffb", "a\ufeffb"),
)

DOLLAR_ALONE = cases(
    ("$", "$"),
    ("a$", "a$"),
    ("$ x", "$ x"),
    ("$/", "$/"),
    ("$.", "$."),
    ("$%", "$%"),
    ("$:", "$:"),
    ("$=x", "$=x"),
    ("$'NAME'", "$NAME"),
    ('$"NAME"', "$NAME"),
    ("$\\NAME", "$NAME"),
    ("$$$", "$"),
    ("'$'$", "$$"),
)

POSITIONAL = cases(
    ("$1", ""),
    ("$1abc", "abc"),
    ("$12x", "x"),
    ("${12}x", "x"),
    ("$0", ""),
    ("$٣x", "x"),
    ("$@", ""),
    ("$@x", "x"),
    ("$*", ""),
    ("$#", ""),
    ("$?", ""),
    ("$-", ""),
    ("$$", ""),
    ("$!", ""),
    ("${@}", ""),
    ("${#}", ""),
    ("${!}", ""),
    ("${$}", ""),
    ("${0:-zero}", "zero"),
    ("${#:-n}", "n"),
    ("${--dash}", "dash"),
)

DEFAULTS = cases(
    ("${UNSET:-dflt}", "dflt"),
    ("${EMPTY:-dflt}", "dflt"),
    ("${NAME:-dflt}", "web"),
    ("${UNSET-dflt}", "dflt"),
    ("${EMPTY-dflt}", ""),
    ("${NAME-dflt}", "web"),
    ("${UNSET:-}", ""),
    ("${UNSET-}", ""),
    ("${UNSET:-$NAME}", "web"),
    ("${UNSET:-${EMPTY:-${NAME}}}", "web"),
    ("${UNSET:-a b}", "a b"),
    ("${UNSET:-'}'}", "}"),
    ('${UNSET:-"}"}', "}"),
    ("${UNSET:-\\}}", "}"),
    ("${UNSET:-a\\b}", "ab"),
    ("${UNSET:-{x}}", "{x}"),
    ("${UNSET:-x}}", "x}"),
    ("${UNSET:--}", "-"),
    ("${UNSET:-:}", ":"),
    ("${UNSET:-$}", "$"),
    ("${UNSET:-'$NAME'}", "$NAME"),
    ('${UNSET:-"$NAME"}', "web"),
    ("${HOME:-x}y", "/rooty"),
    ("${UNSET:-<<}", "<<"),
)

ALTERNATIVES = cases(
    ("${NAME:+set}", "set"),
    ("${EMPTY:+set}", ""),
    ("${UNSET:+set}", ""),
    ("${NAME+set}", "set"),
    ("${EMPTY+set}", "set"),
    ("${UNSET+set}", ""),
    ("${NAME:+$HOME}", "/root"),
    ("${NAME:+}", ""),
    ("v${NAME:+-${NAME}}", "v-web"),
    ("v${UNSET:+-${UNSET}}", "v"),
)

REQUIRED = cases(
    ("${NAME:?msg}", "web"),
    ("${NAME?msg}", "web"),
    ("${EMPTY?msg}", ""),
    ("${NAME?}", "web"),
)

TRIMS = cases(
    ("${FILE#*.}", "tar.gz"),
    ("${FILE##*.}", "gz"),
    ("${FILE%.*}", "site.tar"),
    ("${FILE%%.*}", "site"),
    ("${FILE#site}", ".tar.gz"),
    ("${FILE#nope}", "site.tar.gz"),
    ("${FILE%.gz}", "site.tar"),
    ("${FILE#?}", "ite.tar.gz"),
    ("${FILE%???}", "site.tar"),
    ("${FILE#*}", "site.tar.gz"),
    ("${FILE##*}", ""),
    ("${FILE%*}", "site.tar.gz"),
    ("${FILE%%*}", ""),
    ("${FILE#}", "site.tar.gz"),
    ("${FILE##}", "site.tar.gz"),
    ("${FILE%%}", "site.tar.gz"),
    ("${FILE#**.}", "tar.gz"),
    ("${HASHED###}", "#x"),
    ("${HASHED#'#'}", "##x"),
    ("${URL#*//}", "example.com/a/b"),
    ("${URL##*/}", "b"),
    ("${URL%/*}", "https://example.com/a"),
    ("${URL%%/*}", "https:"),
    ("${PATH%%:*}", "/usr/local/bin"),
    ("${PATH##*:}", "/bin"),
    ("${STARS#a\\*}", "b?c"),
    ("${STARS%\\?c}", "a*b"),
    ("${STARS#*\\?}", "c"),
    ("${UNSET#*}", ""),
    ("${UNI#größe-}", "日本"),
    ("${UNI%?}", "größe-日"),
    ("${LINES#*e}", "\ntwo\nthree"),
    ("${LINES##*e}", "\ntwo\nthree"),
    ("${LINES%%o*}", "one\ntwo\nthree"),
    ("${LINES%t*}", "one\ntwo\n"),
    ("${LINES%%t*}", "one\ntwo\n"),
    ("${FILE#$PAT}", "tar.gz"),
    ('${FILE#"*."}', "tar.gz"),
    ("${FILE#'*.'}", "tar.gz"),
    ("${FILE%.\\*}", "site.tar.gz"),
    ("${BRACE%\\}}", "{x"),
    ("${BRACE#{}", "x}"),
    ("${META#(x)[y]}", "^$|+"),
    ("${META%|+}", "(x)[y]^$"),
    ("${META#???????}", "$|+"),
    ("${NAME#\ufeffw}", "eb"),
    ("${NAME#${UNSET:-w}}", "eb"),
    ('${BS#"\\*"}', "x*y"),
    ('${BS#"\\\\"}', "x*y"),
    ("${BS#\\\\}", "x*y"),
    ("${BS%\\*?}", "\\x"),
)

REPLACEMENTS = cases(
    ("${SLASHES/\\//_}", "a_b/c"),
    ("${SLASHES//\\//_}", "a_b_c"),
    ("${FILE/tar/zip}", "site.zip.gz"),
    ("${FILE//./-}", "site-tar-gz"),
    ("${FILE/.*/}", "site"),
    ("${FILE/*./}", "gz"),
    ("${FILE/?/X}", "Xite.tar.gz"),
    ("${FILE//?/X}", "XXXXXXXXXXX"),
    ("${FILE/nope/X}", "site.tar.gz"),
    ("${NAME///-}", "-w-e-b-"),
    ("${NAME//*/X}", "X"),
    ("${NAME//*b/X}", "X"),
    ("${EMPTY//*/X}", "X"),
    ("${UNSET/*/X}", "X"),
    ("${EMPTY/a/X}", ""),
    ("${NAME/w/$HOME}", "/rooteb"),
    ("${NAME/e/}", "wb"),
    ("${NAME/e/$$}", "wb"),
    ("${NAME/e/'$0$0'}", "w$0$0b"),
    ("${NAME/e/\\$0}", "w\\$0b"),
    ("${NAME/e/'$$'}", "w$$b"),
    ("${NAME/e/'${0}$1'}", "w${0}$1b"),
    ("${NAME//e/'[$0]'}", "w[e]b"),
    ("${NAME//e/\\$0}", "w\\eb"),
    ("${NAME//e/'$$'}", "w$b"),
    ("${NAME//e/'${0}$1$x.'}", "we.b"),
    ("${NAME//e/'$'}", "w$b"),
    ("${NAME//e/'${x'}", "w${xb"),
    ("${NAME//e/'$0x'}", "wb"),
    ("${FILE//./'$0$0'}", "site..tar..gz"),
    ("${NAME//?/'<$0>'}", "<w><e><b>"),
    ("${SLASHES/b/x\\}y}", "a/x\\}y/c"),
    ("${BRACE/\\}/]}", "{x]"),
    ("${LINES//?/.}", "...\n...\n....."),
    ("${LINES/o*/0}", "0\ntwo\nthree"),
    ("${LINES//o*/0}", "0\ntw0\nthree"),
    ("${UNI//?/.}", "........"),
    ("${PATH//:/ }", "/usr/local/bin /usr/bin /bin"),
    ("${URL/a*b/X}", "https://exX"),
    ("${NAME//e?/X}", "wX"),
    ("${NAME/'w'/\"W\"}", "Web"),
)

HEREDOC_MARKERS = cases(
    ("cat <<EOF", "cat <<EOF"),
    ("cat <<  EOF", "cat <<  EOF"),
    ("a < b", "a < b"),
    ("a <<< b", "a <<< b"),
)


@pytest.mark.parametrize(
    ("word", "want"),
    QUOTES
    + ESCAPES
    + VARIABLES
    + DOLLAR_ALONE
    + POSITIONAL
    + DEFAULTS
    + ALTERNATIVES
    + REQUIRED
    + TRIMS
    + REPLACEMENTS
    + HEREDOC_MARKERS,
)
def test_expand_word(word: str, want: str) -> None:
    assert expand_word(word, ENV) == want


SPECIAL_NAMES = {"1": "one", "10": "ten", "@": "at", "#": "hash", "$": "pid", "0": "sh"}


@pytest.mark.parametrize(
    ("word", "want"),
    cases(
        ("$1", "one"),
        ("$10", "ten"),
        ("$1x", "onex"),
        ("${#}", "hash"),
        ("$@$$", "atpid"),
        ("$0", "sh"),
        ("$00", ""),
    ),
)
def test_special_names_are_plain_lookups(word: str, want: str) -> None:
    assert expand_word(word, SPECIAL_NAMES) == want


@pytest.mark.parametrize(
    ("word", "want"),
    cases(
        ("a`$HOME", "a$HOME"),
        ("C:\\path\\$NAME", "C:\\path\\web"),
        ('"a`"b"', 'a"b'),
        ('"a\\b"', "a\\b"),
        ('"a`b"', "a`b"),
        ('"`$HOME"', "$HOME"),
        ('"a``b"', "a`b"),
        ("a``b", "a`b"),
        ("end`", "end"),
        ("a` b", "a b"),
        ("${UNSET:-`}}", "}"),
        ("${FILE%`.gz}", "site.tar.gz"),
        ("${FILE%\\*}", "site.tar.gz"),
        ("${SLASHES//`//_}", "a/b/c"),
    ),
)
def test_backtick_escape(word: str, want: str) -> None:
    assert expand_word(word, ENV, "`") == want


ERRORS = [
    ("'abc", "unexpected end of statement while looking for matching single-quote"),
    ("a'b", "unexpected end of statement while looking for matching single-quote"),
    ('"abc', "unexpected end of statement while looking for matching double-quote"),
    ('"abc\\"', "unexpected end of statement while looking for matching double-quote"),
    ('"abc\\', "unexpected end of statement while looking for matching double-quote"),
    ("${", "syntax error: missing '}'"),
    ("a${", "syntax error: missing '}'"),
    ("${NAME", "unsupported modifier (\ufffd) in substitution"),
    ("${}", "syntax error: bad substitution"),
    ("${:-x}", "syntax error: bad substitution"),
    ("${{NAME}}", "syntax error: bad substitution"),
    ("${NAME x}", "unsupported modifier ( ) in substitution"),
    ("${ NAME}", "unsupported modifier ( ) in substitution"),
    ("${.}", "unsupported modifier (.) in substitution"),
    ("${#x}", "unsupported modifier (x) in substitution"),
    ("${1abc}", "unsupported modifier (a) in substitution"),
    ("${NAME:x}", "unsupported modifier (:x) in substitution"),
    ("${NAME:=x}", "unsupported modifier (:=) in substitution"),
    ("${NAME=x}", "unsupported modifier (=) in substitution"),
    ("${NAME:#x}", "unsupported modifier (:#) in substitution"),
    ("${NAME:%x}", "unsupported modifier (:%) in substitution"),
    ("${NAME:/x/y}", "unsupported modifier (:/) in substitution"),
    ("${NAME:}x}", "unsupported modifier (:}) in substitution"),
    ("${NAME:}", "syntax error: missing '}'"),
    ("${NAME:", "syntax error: missing '}'"),
    ("${NAME:-", "syntax error: missing '}'"),
    ("${NAME:-abc", "syntax error: missing '}'"),
    ("${NAME:-'abc}", "syntax error: missing '}'"),
    ('${NAME:-"abc}', "syntax error: missing '}'"),
    ("${NAME:-abc\\}", "syntax error: missing '}'"),
    ("${NAME:-${UNSET?oops}", "syntax error: missing '}'"),
    ("${NAME:-${UNSET?oops}}", "UNSET: oops"),
    ("${UNSET:+${UNSET2?boom}}", "UNSET2: boom"),
    ("${NAME/a", "syntax error: missing '/' in ${}"),
    ("${NAME//", "syntax error: missing '/' in ${}"),
    ("${NAME/a}", "syntax error: missing '/' in ${}"),
    ("${NAME//x}", "syntax error: missing '/' in ${}"),
    ("${NAME/a/b", "syntax error: missing '}'"),
    ("${NAME#\\", "syntax error: missing '}'"),
    ("${EMPTY:?}", "EMPTY: is not allowed to be empty"),
    ("${UNSET:?}", "UNSET: is not allowed to be unset"),
    ("${UNSET?}", "UNSET: is not allowed to be unset"),
    ("${EMPTY:?need it}", "EMPTY: need it"),
    ("${UNSET?need $NAME}", "UNSET: need web"),
    ("${UNSET:?'x  y'}", "UNSET: x  y"),
    ("${1?}", "1: is not allowed to be unset"),
    ("${??}", "?: is not allowed to be unset"),
    ("${NAME#\\a}", "invalid pattern (\\a) in substitution: invalid escape '\\a'"),
    ("${NAME%\\a}", "invalid pattern (\\a) in substitution: invalid escape '\\a'"),
    ("${NAME%x\\a}", "invalid pattern (\\ax) in substitution: invalid escape '\\a'"),
    ("${HASHED#\\#}", "invalid pattern (\\#) in substitution: invalid escape '\\#'"),
    ("${NAME#'\\'}", "invalid pattern (\\) in substitution: invalid escape '\\\ufffd'"),
    ("${NAME/\\a/b}", "invalid pattern (\\a) in substitution: invalid escape '\\a'"),
    ("${UNSET#\\.}", "invalid pattern (\\.) in substitution: invalid escape '\\.'"),
]


@pytest.mark.parametrize(("word", "reason"), [pytest.param(w, r, id=repr(w)) for w, r in ERRORS])
def test_errors(word: str, reason: str) -> None:
    with pytest.raises(WordError) as info:
        expand_word(word, ENV)
    assert info.value.reason == reason
    assert info.value.source == word


def test_backslash_pattern_with_backtick_escape() -> None:
    with pytest.raises(WordError) as info:
        expand_word("${FILE%\\.gz}", ENV, "`")
    assert info.value.reason == "invalid pattern (zg\\.) in substitution: invalid escape '\\.'"


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("${X?boom}", 'failed to process "${X?boom}": X: boom'),
        ('"a', 'failed to process "\\"a": unexpected end of statement'),
        ("'a\\", 'failed to process "\'a\\\\": unexpected end'),
        ("${X?}\n\t", 'failed to process "${X?}\\n\\t": X: is'),
        ("${X?}\x00\x7f\x1b", 'failed to process "${X?}\\x00\\x7f\\x1b": X: is'),
        ("${X?}日\u00a0\u200b", 'failed to process "${X?}日\\u00a0\\u200b": X: is'),
        ("${X?}\U000e0001", 'failed to process "${X?}\\U000e0001": X: is'),
    ],
)
def test_error_message_quotes_source_like_go(word: str, message: str) -> None:
    with pytest.raises(WordError, match=re.escape(message)):
        expand_word(word, {})


def cases_words(*rows: tuple[str, list[str]]) -> list[object]:
    return [pytest.param(text, want, id=repr(text)) for text, want in rows]


@pytest.mark.parametrize(
    ("text", "want"),
    cases_words(
        ("a b  c", ["a", "b", "c"]),
        ("  lead trail  ", ["lead", "trail"]),
        ("", []),
        ("   ", []),
        ("a\tb\nc\r\fd\ve", ["a", "b", "c", "d", "e"]),
        ('"a b" c', ["a b", "c"]),
        ("'a  b'", ["a  b"]),
        ("a\\ b", ["a b"]),
        ("a\\\tb", ["a\tb"]),
        ('"" x', ["x"]),
        ("''", []),
        ('"" ""', []),
        ('a""b', ["ab"]),
        ('"" a ""', ["a"]),
        ("$SPACED", ["a", "b"]),
        ("x${SPACED}y", ["x", "a", "b", "y"]),
        # Upstream frontend 1.10+ gives ["bc", "d"]: the nested word resets a shared buffer.
        # a ${...} with a modifier restarts the word being split (upstream since 1.10)
        ("a${UNSET:-b}c d", ["bc", "d"]),
        ("a${NAME}c d", ["awebc", "d"]),
        ('"$SPACED"', [" a  b "]),
        ('x"$SPACED"y', ["x a  b y"]),
        ("$EMPTY", []),
        ('"$EMPTY"', []),
        ("a $EMPTY b", ["a", "b"]),
        ("a$EMPTY b", ["a", "b"]),
        ("${UNSET:-a b}", ["a", "b"]),
        ('${UNSET:-"a b"}', ["a", "b"]),
        ('"${UNSET:-a b}"', ["a b"]),
        ("${PATH//:/ }", ["/usr/local/bin", "/usr/bin", "/bin"]),
        ("80/tcp 443", ["80/tcp", "443"]),
        ("x\u00a0y", ["x", "y"]),
        ("x\u3000y\u2028z", ["x", "y", "z"]),
        ("x\x1cy", ["x\x1cy"]),
        ("x\u200by", ["x\u200by"]),
        ("한국 어", ["한국", "어"]),
        ("a b\\", ["a", "b"]),
        ("<<EOF", ["<<EOF"]),
        ("<< EOF", ["<< EOF"]),
        ("cat <<  EOF > f", ["cat", "<<  EOF", ">", "f"]),
        ("<<\tEOF", ["<<\tEOF"]),
        ("<<\nEOF", ["<<", "EOF"]),
        ("a < b", ["a", "<", "b"]),
        ("a <<< b", ["a", "<<<", "b"]),
        ("x << ", ["x", "<< "]),
        ("<<'EOF' x", ["<<EOF", "x"]),
    ),
)
def test_expand_words(text: str, want: list[str]) -> None:
    assert expand_words(text, ENV) == want


def test_expand_words_with_backtick_escape() -> None:
    assert expand_words("a` b c\\ d", ENV, "`") == ["a b", "c\\", "d"]


def test_expand_words_error() -> None:
    with pytest.raises(WordError, match="single-quote"):
        expand_words("a 'b", ENV)


@pytest.mark.parametrize(
    ("word", "options", "want"),
    [
        ("'a'\"b\"", {"raw_quotes": True}, "'a'\"b\""),
        ('"$NAME"', {"raw_quotes": True}, '"web"'),
        ("${UNSET:-'x'}", {"raw_quotes": True}, "'x'"),
        ("a\\ b", {"raw_escapes": True}, "a\\ b"),
        ("a\\", {"raw_escapes": True}, "a\\"),
        ('"a\\"b"', {"raw_escapes": True}, 'a\\"b'),
        ('"a\\b"', {"raw_escapes": True}, "a\\\\b"),
        ("\\$NAME", {"raw_escapes": True}, "\\$NAME"),
        ("${UNSET:-a\\b}", {"raw_escapes": True}, "ab"),
        ("$UNSET", {"skip_unset_env": True}, "$UNSET"),
        ("${UNSET}", {"skip_unset_env": True}, "${UNSET}"),
        ("$NAME $UNSET", {"skip_unset_env": True}, "web $UNSET"),
        ("${UNSET:-x}", {"skip_unset_env": True}, "${UNSET:-x}"),
        ("${UNSET-x}", {"skip_unset_env": True}, "${UNSET-x}"),
        ("${UNSET:+x}", {"skip_unset_env": True}, "${UNSET:+x}"),
        ("${UNSET?msg}", {"skip_unset_env": True}, "${UNSET?msg}"),
        ("${UNSET##*.}", {"skip_unset_env": True}, "${UNSET##*.}"),
        ("${UNSET//a/b}", {"skip_unset_env": True}, "${UNSET/a/b}"),
        ("${UNSET:-$NAME}", {"skip_unset_env": True}, "${UNSET:-web}"),
        ("${UNSET:x}", {"skip_unset_env": True}, "${UNSET:x}"),
        ("$1", {"skip_unset_env": True}, "$1"),
        ("${NAME:-x}", {"skip_unset_env": True}, "web"),
        ("${EMPTY:-x}", {"skip_unset_env": True}, "x"),
        ("'$NAME'", {"skip_process_quotes": True}, "'web'"),
        ("\\'", {"skip_process_quotes": True}, "'"),
        ('"a \\" b"', {"skip_process_quotes": True}, '"a " b"'),
        (
            "RUN echo '$NAME' \"$UNSET\"",
            {"raw_quotes": True, "skip_unset_env": True},
            "RUN echo '$NAME' \"$UNSET\"",
        ),
    ],
    ids=repr,
)
def test_lexer_modes(word: str, options: dict[str, bool], want: str) -> None:
    assert expand_word(word, ENV, "\\", **options) == want


def test_skip_unset_env_still_rejects_empty() -> None:
    with pytest.raises(WordError, match="EMPTY: msg"):
        expand_word("${EMPTY:?msg}", ENV, skip_unset_env=True)


def test_skip_process_quotes_splits_inside_quotes() -> None:
    assert expand_words('"a b"', ENV, skip_process_quotes=True) == ['"a', 'b"']


@pytest.mark.parametrize(
    ("word", "matched", "unmatched"),
    [
        ("$NAME ${UNSET:-$HOME}", {"NAME", "HOME"}, {"UNSET"}),
        ("'$NAME' \\$HOME", set(), set()),
        ("${EMPTY-x}", {"EMPTY"}, set()),
        ("$1$@", set(), {"1", "@"}),
        ("${FILE#$PAT}", {"FILE", "PAT"}, set()),
        ("$ $. ${/a/b}", set(), {""}),
    ],
    ids=repr,
)
def test_matches(word: str, matched: set[str], unmatched: set[str]) -> None:
    result = expand_word_matches(word, ENV)
    assert result.value == expand_word(word, ENV)
    assert result.matched == matched
    assert result.unmatched == unmatched


def test_escape_must_be_one_character() -> None:
    with pytest.raises(ValueError):
        expand_word("x", {}, "")


# --- size and nesting ------------------------------------------------------------------------

MEGABYTE = 1 << 20


@pytest.mark.parametrize(
    "word",
    [
        "a" * MEGABYTE,
        "$NAME " * (MEGABYTE // 6),
        '"' + "a\\$b " * (MEGABYTE // 6) + '"',
        "\\x" * (MEGABYTE // 2),
        "'ab'" * (MEGABYTE // 4),
        "${UNSET:-" + "x" * MEGABYTE + "}",
        "$" + "n" * MEGABYTE,
        "${NAME#" + "*" * MEGABYTE + "}",
    ],
    ids=["plain", "vars", "double", "escapes", "single", "default", "name", "stars"],
)
def test_megabyte_word_expands(word: str) -> None:
    assert expand_word(word, ENV) is not None
    assert expand_words(word, ENV) is not None


LINEAR_WORDS: dict[str, Callable[[int], str]] = {
    "vars": lambda n: "$NAME " * n,
    "double": lambda n: '"' + "a\\$b " * n + '"',
    "escapes": lambda n: "\\x" * n,
    "default": lambda n: "${UNSET:-" + "x" * n + "}",
    "stars": lambda n: "${NAME#" + "*" * n + "}",
}


@pytest.mark.parametrize("name", LINEAR_WORDS)
def test_word_expansion_is_linear(name: str) -> None:
    assert_linear(lambda n: expand_words(LINEAR_WORDS[name](n), ENV), 20_000)


VALUE_PATTERNS = ["${V##*a}", "${V#*b*a*b*z}", "${V//b*a/-}", "${V//ab/}"]


def test_megabyte_value_patterns() -> None:
    env = {"V": "ab" * (MEGABYTE // 2)}
    assert expand_word("${V##*a}", env) == "b"
    assert expand_word("${V#*b*a*b*z}", env) == env["V"]
    assert expand_word("${V//b*a/-}", env) == "a-b"
    assert expand_word("${V//ab/}", env) == ""


@pytest.mark.parametrize("pattern", VALUE_PATTERNS)
def test_value_patterns_are_linear(pattern: str) -> None:
    assert_linear(lambda n: expand_word(pattern, {"V": "ab" * n}), 20_000)


def test_nesting_up_to_limit() -> None:
    word = "${U:-" * MAX_NESTING + "x" + "}" * MAX_NESTING
    assert expand_word(word, {}) == "x"
    quoted = '"${U:-' * MAX_NESTING + "x" + '}"' * MAX_NESTING
    assert expand_word(quoted, {}) == "x"


def test_nesting_beyond_limit_is_an_error() -> None:
    word = "${U:-" * (MAX_NESTING + 1) + "x" + "}" * (MAX_NESTING + 1)
    with pytest.raises(WordError, match="nested deeper than"):
        expand_word(word, {})
    with pytest.raises(WordError):
        expand_word("${U:-" * 10_000, {})


# --- properties ------------------------------------------------------------------------------

LEXER_CHARS = st.sampled_from(list("${}:-+?#%/'\"\\`<* \t\naAbZ_019@.\ufeff日"))
ANY_TEXT = st.text(LEXER_CHARS, max_size=40) | st.text(max_size=40)
ENVS = st.dictionaries(st.text(LEXER_CHARS, max_size=3), ANY_TEXT, max_size=4)
OPTIONS = st.fixed_dictionaries(
    {
        "raw_quotes": st.booleans(),
        "raw_escapes": st.booleans(),
        "skip_unset_env": st.booleans(),
        "skip_process_quotes": st.booleans(),
    }
)


@given(ANY_TEXT, ENVS, st.sampled_from(["\\", "`"]), OPTIONS)
@settings(max_examples=400)
def test_only_word_errors_escape(
    text: str, env: dict[str, str], escape: str, options: dict[str, bool]
) -> None:
    for expand in (expand_word, expand_words, expand_word_matches):
        try:
            expand(text, env, escape, **options)
        except WordError as exc:
            assert exc.reason
            assert str(exc).startswith("failed to process ")


UNSPACED = st.text(st.sampled_from(list("${}:-+?#%/'\"\\`<*aAbZ_019@.日")), max_size=30)


NESTED_SCAN = re.compile(r"\$\{[^}]*?[:?+#%/-]")
"""``${name<op>word}``: its word is a nested scan, which (as upstream) empties the
shared word buffer, so in word splitting the text before it is lost."""


def test_a_nested_scan_drops_the_word_before_it_as_upstream() -> None:
    assert expand_word("0${x%}", {}) == "0"
    assert expand_words("0${x%}", {}) == []
    assert expand_words("0${x:-1}", {}) == ["1"]


@given(UNSPACED, st.dictionaries(UNSPACED, UNSPACED, max_size=4))
def test_words_without_whitespace_is_one_word(text: str, env: dict[str, str]) -> None:
    assume(not NESTED_SCAN.search(text))
    try:
        word = expand_word(text, env)
    except WordError:
        with pytest.raises(WordError):
            expand_words(text, env)
        return
    assert expand_words(text, env) == ([word] if word else [])


# Valid text only: an undecodable byte (a surrogate escape) expands to U+FFFD.
PLAIN_CHARS = st.characters(exclude_characters="$'\"\\\ufeff", exclude_categories=("Cs",))


@given(st.text(PLAIN_CHARS), ENVS)
def test_plain_word_expands_to_itself(text: str, env: dict[str, str]) -> None:
    assert expand_word(text, env) == text


SPLIT_CHARS = st.characters(
    exclude_characters="$'\"\\<\ufeff\x1c\x1d\x1e\x1f", exclude_categories=("Cs",)
)


@given(st.text(SPLIT_CHARS | st.sampled_from(" \t\n\u3000\xa0")), ENVS)
def test_plain_text_splits_like_str_split(text: str, env: dict[str, str]) -> None:
    assert expand_words(text, env) == text.split()


@given(st.text(st.characters(exclude_characters="'", exclude_categories=("Cs",))))
def test_single_quotes_keep_everything(text: str) -> None:
    assert expand_word(f"'{text}'", ENV) == text
    assert expand_words(f"'{text}'", ENV) == ([text] if text else [])


@given(st.text(st.characters(exclude_categories=("Cs",))))
def test_escaping_every_special_in_double_quotes(text: str) -> None:
    escaped = re.sub(r'(["$\\])', r"\\\1", text)
    assert expand_word(f'"{escaped}"', ENV) == text


@given(st.text(st.characters(exclude_categories=("Cs",)), min_size=1))
def test_escaping_every_character(text: str) -> None:
    escaped = "".join("\\" + ch for ch in text)
    assert expand_word(escaped, ENV) == text
    assert expand_words(escaped, ENV) == [text]


@given(st.text(SPLIT_CHARS, max_size=20), st.text(SPLIT_CHARS, max_size=20))
def test_variable_value_is_inserted_verbatim(before: str, value: str) -> None:
    assert expand_word(before + "${V}", {"V": value}) == before + value
    assert expand_word('"$V"', {"V": value}) == value


# Differential check of the pattern matcher against Python's backtracking ``re``, which
# picks the same leftmost-first matches as Go's regexp for these constructs.

PATTERN = st.text(st.sampled_from("ab.*?"), max_size=6)
VALUE = st.text(st.sampled_from("ab.\n"), max_size=12)


def to_regex(pattern: str, greedy: bool) -> re.Pattern[str]:
    star = "[^\n]*" if greedy else "[^\n]*?"
    parts = {"*": star, "?": "[^\n]"}
    return re.compile("".join(parts.get(ch, re.escape(ch)) for ch in pattern))


def go_replace_all(regex: re.Pattern[str], value: str, repl: str) -> str:
    out, last_end, search = [], 0, 0
    while search <= len(value):
        found = regex.search(value, search)
        if found is None:
            break
        out.append(value[last_end : found.start()])
        if found.end() > last_end or found.start() == 0:
            out.append(repl)
        last_end = found.end()
        search = max(search + 1, found.end())
    out.append(value[last_end:])
    return "".join(out)


@given(PATTERN, VALUE)
@settings(max_examples=500)
def test_trims_match_backtracking_regex(pattern: str, value: str) -> None:
    env = {"V": value}
    for op, greedy in (("#", False), ("##", True)):
        found = to_regex(pattern, greedy).match(value)
        want = value[found.end() :] if found else value
        assert expand_word(f"${{V{op}{pattern}}}", env) == want
    for op, greedy in (("%", False), ("%%", True)):
        found = to_regex(pattern[::-1], greedy).match(value[::-1])
        want = value[: len(value) - found.end()] if found else value
        assert expand_word(f"${{V{op}{pattern}}}", env) == want


@given(PATTERN, VALUE)
@settings(max_examples=500)
def test_replacements_match_backtracking_regex(pattern: str, value: str) -> None:
    env = {"V": value}
    regex = to_regex(pattern, True)
    if pattern:  # "${V//X}" would be a replace-all
        assert expand_word(f"${{V/{pattern}/X}}", env) == regex.sub("X", value, count=1)
    assert expand_word(f"${{V//{pattern}/X}}", env) == go_replace_all(regex, value, "X")


@given(st.text(SPLIT_CHARS, max_size=8), VALUE)
def test_literal_trims_are_prefix_and_suffix_removal(literal: str, value: str) -> None:
    literal = re.sub(r"[*?{}/#%]", "", literal)
    env = {"V": literal + value + literal, "L": literal}
    assert expand_word("${V#$L}", env) == value + literal
    assert expand_word("${V%$L}", env) == literal + value


def _outcome(run: Callable[[], str]) -> str:
    try:
        return run()
    except WordError as exc:
        return f"error: {exc}"


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.characters(codec="ascii"), max_size=12),
    st.sampled_from(["\\", "`"]),
    st.sampled_from([{}, {"raw_quotes": True, "skip_unset_env": True}, {"raw_escapes": True}]),
)
def test_plain_words_come_back_as_the_lexer_gives_them(
    word: str, escape: str, options: dict[str, bool]
) -> None:
    """Words with nothing to expand skip the lexer (and text with nothing to expand is
    split on whitespace without it): the same outcome either way."""
    lex = Lex(escape, **options)
    if plain(word, escape):
        words = _Words()
        _Scanner(lex, word, ENV).run(words)
        assert lex.process_words(word, ENV) == words.finish()
    fast = _outcome(lambda: expand_word(word, ENV, escape, **options))  # type: ignore[arg-type]
    assert fast == _outcome(lambda: lex.process_word(word, ENV))
    try:
        expected = lex.process_word_matches(word, ENV)
    except WordError:
        return
    assert expand_word_matches(word, ENV, escape, **options) == expected  # type: ignore[arg-type]
