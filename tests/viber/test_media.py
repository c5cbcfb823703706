"""Pictures published for Viber: unguessable, short-lived, bounded."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.channel_runtime import public_base, webhook_url_of
from bot.cli import main
from bot.viber.media import MediaStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1].removesuffix(".png")


def test_published_pictures_expire() -> None:
    clock = Clock()
    store = MediaStore("https://bot.example.org/", ttl=60, clock=clock)
    url = store.publish(b"png")
    assert url is not None
    assert url.startswith("https://bot.example.org/viber/media/")
    token = token_of(url)
    assert len(token) >= 32
    assert store.get(token) == b"png"
    clock.now += 61
    assert store.get(token) is None


def test_tokens_differ_and_capacity_drops_the_oldest() -> None:
    store = MediaStore("https://bot.example.org", capacity=2)
    urls = [store.publish(bytes([n])) for n in range(3)]
    tokens = [token_of(url) for url in urls if url]
    assert len(set(tokens)) == 3
    assert [store.get(token) for token in tokens] == [None, b"\x01", b"\x02"]


def test_no_public_origin_means_no_url() -> None:
    assert MediaStore("").publish(b"png") is None


@pytest.mark.parametrize(
    ("webhook_url", "base", "full"),
    [
        (
            "https://bot.example.org",
            "https://bot.example.org",
            "https://bot.example.org/viber/webhook",
        ),
        (
            "https://bot.example.org/",
            "https://bot.example.org",
            "https://bot.example.org/viber/webhook",
        ),
        (
            "https://example.org/meterbot",
            "https://example.org/meterbot",
            "https://example.org/meterbot/viber/webhook",
        ),
        (
            "https://bot.example.org/viber/webhook",
            "https://bot.example.org",
            "https://bot.example.org/viber/webhook",
        ),
        ("", "", ""),
    ],
)
def test_public_base_and_webhook_url(webhook_url: str, base: str, full: str) -> None:
    assert public_base(webhook_url, "/viber/webhook") == base
    assert webhook_url_of(webhook_url, "/viber/webhook") == full


def test_the_command_line_says_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("METERBOT_VIBER__AUTH_TOKEN", raising=False)
    config = tmp_path / "config.toml"
    config.write_text('[viber]\nwebhook_url = "https://bot.example.org"\n', encoding="utf-8")
    assert main(["--config", str(config), "viber", "set-webhook"]) == 2
    assert capsys.readouterr().err == (
        "meterbot: viber set-webhook: [viber] auth_token is empty "
        "(set METERBOT_VIBER__AUTH_TOKEN)\n"
    )
