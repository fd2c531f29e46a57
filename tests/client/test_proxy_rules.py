"""Which proxy a URL goes through: the rule curl, requests, httpx and websockets follow."""

from __future__ import annotations

import pytest

from livequery_cli.client.transports.proxy import proxy_for, redact_proxy
from livequery_cli.exceptions import ConfigError

P = "http://proxy.corp:3128"


@pytest.mark.parametrize(
    ("url", "env", "expected"),
    [
        ("wss://api.example/parse", {"HTTPS_PROXY": P}, P),
        ("https://api.example/parse", {"https_proxy": P}, P),
        ("ws://api.example/parse", {"HTTP_PROXY": P}, P),
        ("ws://api.example/parse", {"HTTPS_PROXY": P}, None),  # ws:// is not https
        ("wss://api.example/parse", {"HTTP_PROXY": P}, None),
        ("wss://api.example/parse", {"ALL_PROXY": P}, P),
        ("http://api.example/parse", {"all_proxy": P}, P),
        ("wss://api.example/parse", {}, None),
        ("wss://api.example/parse", {"HTTPS_PROXY": P, "NO_PROXY": "ple"}, P),  # not a label
        ("wss://api.example/parse", {"HTTPS_PROXY": P, "NO_PROXY": "api.example"}, None),
        ("wss://eu.api.example/p", {"HTTPS_PROXY": P, "NO_PROXY": ".api.example"}, None),
        ("wss://api.example/p", {"HTTPS_PROXY": P, "no_proxy": "other, api.example"}, None),
        ("wss://api.example/p", {"HTTPS_PROXY": P, "NO_PROXY": "*"}, None),
        ("ws://10.1.2.3:1337/p", {"HTTP_PROXY": P, "NO_PROXY": "10.0.0.0/8"}, None),
        ("ws://11.1.2.3:1337/p", {"HTTP_PROXY": P, "NO_PROXY": "10.0.0.0/8"}, P),
        ("ws://127.0.0.1:1337/p", {"HTTP_PROXY": P, "NO_PROXY": "127.0.0.1:1337"}, None),
        ("ws://127.0.0.1:1338/p", {"HTTP_PROXY": P, "NO_PROXY": "127.0.0.1:1337"}, P),
        ("ws://[::1]:1337/p", {"HTTP_PROXY": P, "NO_PROXY": "::1"}, None),
        ("wss://api.example/p", {"HTTPS_PROXY": "proxy.corp:3128"}, P),  # scheme-less
    ],
)
def test_the_environment_decides_per_url(
    url: str, env: dict[str, str], expected: str | None
) -> None:
    assert proxy_for(url, env=env) == expected


def test_an_explicit_proxy_wins_and_empty_means_direct() -> None:
    env = {"HTTPS_PROXY": "http://other:1"}
    assert proxy_for("wss://a/p", explicit=P, env=env) == P
    assert proxy_for("wss://a/p", explicit="", env=env) is None
    assert proxy_for("wss://a/p", env=None) is None


@pytest.mark.parametrize("bad", ["socks5://p:1080", "https://p:3128", "ftp://p"])
def test_only_http_proxies_are_supported_and_the_error_hides_credentials(bad: str) -> None:
    with_secret = bad.replace("://", "://user:s3cret@")
    with pytest.raises(ConfigError, match="only http://host:port proxies") as caught:
        proxy_for("wss://a/p", explicit=with_secret)
    assert "s3cret" not in str(caught.value)


def test_redaction_keeps_only_scheme_host_and_port() -> None:
    assert redact_proxy("http://user:s3cret@proxy.corp:3128/x?y") == "http://proxy.corp:3128"
