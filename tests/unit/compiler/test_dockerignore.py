from frontend.compiler.dockerignore import parse_dockerignore


def test_comments_blanks_and_exceptions() -> None:
    data = b"\xef\xbb\xbf# comment\n\n  node_modules/  \n!keep/./me\n/abs/path\n*.log\n"
    assert parse_dockerignore(data) == ("node_modules", "!keep/me", "abs/path", "*.log")


def test_empty() -> None:
    assert parse_dockerignore(b"") == ()
