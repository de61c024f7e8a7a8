"""Image config and history of the metadata instructions, as Docker's frontend writes them."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from frontend.compiler.ports import parse_ports
from frontend.compiler.request import parse_request
from frontend.errors import DockerfileError
from frontend.gotext import go_duration, go_quote_rune
from frontend.llb.caps import LLBCaps
from frontend.llb.marshal import ops_of
from tests.support.fake_engine import V08_LLB_CAPS
from tests.unit.compiler.conftest import AMD64, Compile, Resolver, image_config

V08 = LLBCaps(frozenset(V08_LLB_CAPS))


def built(compile_text: Compile, text: str, **options: object) -> dict[str, Any]:
    config: dict[str, Any] = json.loads(compile_text(text, **options).config_json)
    return config


def created_by(config: dict[str, Any]) -> list[str]:
    return [h["created_by"] for h in config["history"] if "created_by" in h]


@pytest.mark.parametrize(
    ("ns", "text"),
    [
        (0, "0s"),
        (1, "1ns"),
        (1_500, "1.5µs"),
        (1_000_000, "1ms"),
        (100_000_000, "100ms"),
        (1_500_000_000, "1.5s"),
        (90_000_000_000, "1m30s"),
        (3_600_000_000_000, "1h0m0s"),
        (7_384_005_000_000, "2h3m4.005s"),
        (-2_000_000_000, "-2s"),
    ],
)
def test_go_duration(ns: int, text: str) -> None:
    assert go_duration(ns) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, r"'\x00'"), (3, r"'\x03'"), (10, r"'\n'"), (39, r"'\''"), (65, "'A'"),
     (92, r"'\\'"), (34, "'\"'"), (0x7F, r"'\x7f'"), (0xD800, "'\ufffd'")],
)  # fmt: skip
def test_go_quote_rune(value: int, text: str) -> None:
    assert go_quote_rune(value) == text


def test_healthcheck_shell_and_exec_form(compile_text: Compile) -> None:
    text = (
        "FROM busybox\n"
        'HEALTHCHECK --interval=5s --timeout=3s --start-period=1m30s --retries=2 CMD curl -f "$U"\n'
        'HEALTHCHECK CMD ["ls", "-l"]\n'
    )
    config = built(compile_text, text, llb_caps=V08)
    assert config["config"]["Healthcheck"] == {"Test": ["CMD", "ls", "-l"]}
    assert created_by(config) == [
        r'HEALTHCHECK &{["CMD-SHELL" "curl -f \"$U\""] "5s" "3s" "1m30s" ' "'\\x02'}",
        """HEALTHCHECK &{["CMD" "ls" "-l"] "0s" "0s" "0s" '\\x00'}""",
    ]
    assert all(h["empty_layer"] for h in config["history"])
    assert created_by(built(compile_text, text)) == [
        'HEALTHCHECK {Test:[CMD-SHELL curl -f "$U"] Interval:5s Timeout:3s StartPeriod:1m30s'
        " StartInterval:0s Retries:2}",
        "HEALTHCHECK {Test:[CMD ls -l] Interval:0s Timeout:0s StartPeriod:0s StartInterval:0s"
        " Retries:0}",
    ]


def test_healthcheck_fields_in_go_order(compile_text: Compile) -> None:
    text = (
        "FROM busybox\nHEALTHCHECK --retries=3 --start-interval=100ms --start-period=2s"
        " --timeout=1s --interval=10s CMD true\n"
    )
    raw = compile_text(text, llb_caps=V08).config_json
    assert (
        b'"Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":10000000000,"Timeout":1000000000,'
        b'"StartPeriod":2000000000,"StartInterval":100000000,"Retries":3},"OnBuild"'
    ) in raw
    (history,) = created_by(json.loads(raw))
    assert history == """HEALTHCHECK &{["CMD-SHELL" "true"] "10s" "1s" "2s" "100ms" '\\x03'}"""


def test_healthcheck_none_and_inheritance(compile_text: Compile, resolver: Resolver) -> None:
    resolver.configs["docker.io/library/base:latest"] = image_config(
        Healthcheck={"Test": ["CMD", "check"], "Interval": 1_000_000_000}
    )
    inherited = built(compile_text, "FROM base AS a\nFROM a\nRUN true\n")
    assert inherited["config"]["Healthcheck"] == {"Test": ["CMD", "check"], "Interval": 1000000000}
    disabled = built(compile_text, "FROM base AS a\nHEALTHCHECK NONE\nFROM a\n", llb_caps=V08)
    assert disabled["config"]["Healthcheck"] == {"Test": ["NONE"]}
    assert created_by(disabled)[-1] == """HEALTHCHECK &{["NONE"] "0s" "0s" "0s" '\\x00'}"""


def test_healthcheck_is_not_expanded_and_runs_as_a_trigger(
    compile_text: Compile, resolver: Resolver
) -> None:
    resolver.configs["docker.io/library/base:latest"] = image_config(
        OnBuild=['HEALTHCHECK --retries=4 CMD ["probe", "$HOME"]']
    )
    config = built(compile_text, "FROM base\n")["config"]
    assert config["Healthcheck"] == {"Test": ["CMD", "probe", "$HOME"], "Retries": 4}


def test_empty_inherited_healthcheck_is_kept(compile_text: Compile, resolver: Resolver) -> None:
    resolver.configs["docker.io/library/base:latest"] = image_config(Healthcheck={})
    assert built(compile_text, "FROM base\n")["config"]["Healthcheck"] == {}


@pytest.mark.parametrize(
    ("spec", "ports"),
    [
        ("80", ["80/tcp"]),
        ("080/UDP", ["80/udp"]),
        ("80/", ["80/tcp"]),
        ("80/tcp/x", ["80/tcp"]),
        ("1-2-3", ["1/tcp", "2/tcp"]),
        ("0", ["0/tcp"]),
        (":81", ["81/tcp"]),
        ("8080-8081:80", ["80/tcp"]),
        ("127.0.0.1:9090-9091:5000-5001/udp", ["5000/udp", "5001/udp"]),
        ("[::1]:80:80/sctp", ["80/sctp"]),
    ],
)
def test_port_specs(spec: str, ports: list[str]) -> None:
    assert parse_ports(spec) == ports


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("80/xyz", "invalid proto: xyz"),
        ("/tcp", "no port specified: /tcp<empty>"),
        ("70000", "invalid containerPort: 70000"),
        ("+80", "invalid containerPort: +80"),
        ("90-80", "invalid containerPort: 90-80"),
        ("abc:80", "invalid hostPort: abc"),
        ("1.2.3:80:80", "invalid ip address: 1.2.3"),
        ("fe80::1%eth0:80:80", "too many colons in address"),
        ("[fe80::1%eth0]:80:80", "invalid ip address: fe80::1%eth0"),
        ("[::1:80:80", "missing ']' in address"),
        ("8080-8081:80-82", "invalid ranges specified for container and host Ports: 80-82 and"),
    ],
)  # fmt: skip
def test_bad_port_specs(spec: str, message: str) -> None:
    with pytest.raises(DockerfileError, match=re.escape(message)):
        parse_ports(spec)


@pytest.mark.parametrize("signal", ["SIGKILL", "term", "sigrtmin+3", "RTMAX-14", "9", "-3", "+3"])
def test_stop_signals(compile_text: Compile, signal: str) -> None:
    config = built(compile_text, f"FROM busybox\nARG S={signal}\nSTOPSIGNAL $S\n")
    assert config["config"]["StopSignal"] == signal


@pytest.mark.parametrize(
    "signal", ["NOPE", "0", "SIGUNUSED", "RTMIN+16", '""', "99999999999999999999"]
)
def test_bad_stop_signals_name_the_line(compile_text: Compile, signal: str) -> None:
    with pytest.raises(DockerfileError) as info:
        compile_text(f"FROM busybox\nSTOPSIGNAL {signal}\n")
    assert info.value.message == f"invalid signal: {signal.strip(chr(34))}"
    assert info.value.line == 2


def test_source_date_epoch_dates_the_image_and_its_new_history(compile_text: Compile) -> None:
    text = "FROM busybox\nRUN true\nENV A=1\n"
    config = json.loads(compile_text(text, source_date_epoch=0, llb_caps=V08).config_json)
    assert config["created"] == "1970-01-01T00:00:00Z"
    assert [h.get("created") for h in config["history"]][-2:] == ["1970-01-01T00:00:00Z"] * 2
    # Newer frontends date the history only; the exporter dates the image from it.
    config = json.loads(compile_text(text, source_date_epoch=0).config_json)
    assert "created" not in config
    assert [h.get("created") for h in config["history"]][-2:] == ["1970-01-01T00:00:00Z"] * 2


def test_source_date_epoch_dates_the_workdir(compile_text: Compile) -> None:
    def mkdir_times(**options: object) -> list[int]:
        result = compile_text("FROM busybox\nWORKDIR /mydir\n", **options)
        ops = [op for _, op in ops_of(result.definition) if op.HasField("file")]
        return [a.mkdir.timestamp for op in ops for a in op.file.actions]

    assert mkdir_times(source_date_epoch=1673364896) == [1673364896 * 10**9]
    assert mkdir_times() == [-1]


def test_source_date_epoch_must_be_a_number() -> None:
    with pytest.raises(DockerfileError, match="invalid SOURCE_DATE_EPOCH: soon"):
        parse_request({"build-arg:SOURCE_DATE_EPOCH": "soon"}, build_platform=AMD64)
