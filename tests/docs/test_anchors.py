"""Headings' anchors are GitHub's, so that links checked here work on the code forge."""

from __future__ import annotations

import pytest

from tests.docs.markdown import anchors, slug


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Quick start", "quick-start"),
        ("`meterbot db copy`", "meterbot-db-copy"),
        ("[telegram]", "telegram"),
        ("[[tariffs]]", "tariffs"),
        ("3. Webhook behind a reverse proxy", "3-webhook-behind-a-reverse-proxy"),
        ("Accounts CSV (`import-accounts`)", "accounts-csv-import-accounts"),
        ("Docker Compose: the bot and PostgreSQL", "docker-compose-the-bot-and-postgresql"),
        ("Rules 354, p.59–60", "rules-354-p5960"),
        ("Статья 155 ЖК РФ", "статья-155-жк-рф"),
        ("snake_case stays", "snake_case-stays"),
    ],
)
def test_a_heading_gets_githubs_anchor(heading: str, anchor: str) -> None:
    assert slug(heading) == anchor


def test_a_repeated_heading_is_numbered() -> None:
    assert anchors("# A\n## Notes\n## Notes\n```\n## not a heading\n```\n") == {
        "a",
        "notes",
        "notes-1",
    }
