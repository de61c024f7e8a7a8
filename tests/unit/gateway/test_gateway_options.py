"""Reading the gateway environment: options, session, workers."""

from __future__ import annotations

import json
import random

import pytest

from frontend.compiler.request import CacheImport, OptionError, cache_imports_from_opts
from frontend.gateway.options import (
    GatewayEnvError,
    parse_frontend_opts,
    parse_worker_platforms,
    read_gateway_env,
)
from frontend.platform import Platform
from tests.support.fake_engine import gateway_env

V08_WORKERS = json.dumps(
    [
        {
            "ID": "abc123",
            "Labels": {"org.mobyproject.buildkit.worker.executor": "oci"},
            "Platforms": [
                {"architecture": "amd64", "os": "linux"},
                {"architecture": "386", "os": "linux"},
                {"architecture": "arm", "os": "linux", "variant": "v7"},
            ],
            "GCPolicy": [{"All": False, "KeepDuration": 172800, "KeepBytes": 1, "Filters": None}],
        }
    ]
)


def test_options_split_on_first_equals_in_any_order() -> None:
    pairs = [
        ("filename", "Dockerfile"),
        ("build-arg:A", "x=y=z"),
        ("cache-imports", '[{"Type":"registry","Attrs":{"ref":"r=1"}}]'),
        ("no-cache", ""),
        ("label:a.b", "c"),
    ]
    order = list(range(len(pairs)))
    random.Random(7).shuffle(order)
    env = {f"BUILDKIT_FRONTEND_OPT_{i}": f"{k}={v}" for i, (k, v) in zip(order, pairs, strict=True)}
    env["UNRELATED"] = "x=1"
    assert parse_frontend_opts(env) == dict(pairs)


def test_option_without_equals_is_an_empty_value() -> None:
    assert parse_frontend_opts({"BUILDKIT_FRONTEND_OPT_0": "no-cache"}) == {"no-cache": ""}


def test_repeated_key_highest_index_wins() -> None:
    env = {
        "BUILDKIT_FRONTEND_OPT_10": "target=late",
        "BUILDKIT_FRONTEND_OPT_2": "target=early",
    }
    assert parse_frontend_opts(env) == {"target": "late"}


def test_read_gateway_env_v08_workers() -> None:
    env = {
        "BUILDKIT_FRONTEND_OPT_0": "target=prod",
        "BUILDKIT_SESSION_ID": "sess123",
        "BUILDKIT_WORKERS": V08_WORKERS,
        "BUILDKIT_EXPORTEDPRODUCT": "buildkit",
    }
    genv = read_gateway_env(env)
    assert genv.opts == {"target": "prod"}
    assert genv.session_id == "sess123"
    assert genv.exported_product == "buildkit"
    assert genv.worker_platforms == (
        Platform("linux", "amd64"),
        Platform("linux", "386"),
        Platform("linux", "arm", "v7"),
    )
    assert genv.build_platform == Platform("linux", "amd64")
    with pytest.raises(TypeError):
        genv.opts["x"] = "y"  # type: ignore[index]


def test_workers_keys_case_insensitive() -> None:
    text = json.dumps(
        [{"id": "w", "platforms": [{"Architecture": "arm64", "OS": "linux", "Variant": "v8"}]}]
    )
    assert parse_worker_platforms(text) == (Platform("linux", "arm64", "v8"),)


def test_missing_workers_and_session() -> None:
    genv = read_gateway_env({})
    assert genv.opts == {}
    assert genv.session_id == ""
    assert genv.worker_platforms == ()
    assert genv.build_platform is None
    assert parse_worker_platforms("null") == ()
    assert parse_worker_platforms("[]") == ()


@pytest.mark.parametrize("text", ["{", '{"ID": "w"}', "[1]", '[{"Platforms": "linux"}]'])
def test_bad_workers_raise(text: str) -> None:
    with pytest.raises(GatewayEnvError):
        parse_worker_platforms(text)


def test_testing_gateway_env_round_trips() -> None:
    opts = {"filename": "Dockerfile", "build-arg:X": "a=b"}
    platforms = (Platform("linux", "arm", "v7"),)
    genv = read_gateway_env(gateway_env(opts, session_id="s1", platforms=platforms))
    assert genv.opts == opts
    assert genv.session_id == "s1"
    assert genv.worker_platforms == platforms


def test_cache_imports_from_opts() -> None:
    opts = {
        "cache-imports": '[{"Type":"local","Attrs":{"src":"/c"}},{"type":"gha"}]',
        "cache-from": "reg/a:cache, reg/b:cache",
    }
    assert cache_imports_from_opts(opts) == (
        CacheImport("local", {"src": "/c"}),
        CacheImport("gha", {}),
        CacheImport("registry", {"ref": "reg/a:cache"}),
        CacheImport("registry", {"ref": "reg/b:cache"}),
    )
    assert cache_imports_from_opts({}) == ()
    with pytest.raises(OptionError):
        cache_imports_from_opts({"cache-imports": "{"})
