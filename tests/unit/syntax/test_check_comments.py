"""What the parser keeps for the build checks: comments, key/value form, continuations."""

from __future__ import annotations

from frontend.syntax import ast, parse


def test_comments_above_an_instruction_as_upstream_keeps_them() -> None:
    text = (
        "# syntax=x\n# check=skip=A\n# first\n\n# second\nFROM a\n"
        "RUN x\n# dropped by an empty comment\n#\n# kept\n  # indented\nRUN y\n"
    )
    parsed = parse(text)
    assert [i.comments for i in parsed.instructions] == [
        ("first", "second"),  # directives are not comments; blank lines do not reset
        (),
        ("kept", "# indented"),  # upstream trims after the line's first character
    ]
    assert dict(parsed.directives) == {"syntax": "x", "check": "skip=A"}


def test_comments_do_not_change_equality() -> None:
    assert parse("# c\nFROM a\n").instructions == parse("\nFROM a\n").instructions


def test_legacy_key_value_form() -> None:
    env, label, env2, label2 = parse("ENV a b c\nLABEL a=b\nENV a=b\nLABEL k v\n").instructions
    assert isinstance(env, ast.Env) and env.legacy_format
    assert env.pairs == (ast.KeyValue("a", "b c"),)
    assert isinstance(label, ast.Label) and not label.legacy_format
    assert isinstance(env2, ast.Env) and not env2.legacy_format
    assert isinstance(label2, ast.Label) and label2.legacy_format


def test_empty_continuation_lines() -> None:
    parsed = parse(
        "FROM a\nRUN a \\\n\n  b \\\n   \n  c\nRUN d \\\n# c\n  e\nCOPY <<EOF \\\n\n /x\nhi\nEOF\n"
    )
    assert parsed.empty_continuations == (6, 12)


def test_late_check_comment_above_an_instruction_is_no_mistake() -> None:
    parsed = parse("FROM a\n# check=skip=all\nRUN x\n# check=error=true\n#\nRUN y\n# check=a=b\n")
    assert [w.line for w in parsed.warnings] == [4, 7]
