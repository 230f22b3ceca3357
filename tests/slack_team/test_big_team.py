"""A team of 1,000: `/team list` counts every member and pages, Next after Next, to the last one.

The members are added once for the module, through the business API (the emulator over HTTP,
with the client the bot uses); the tests only read them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine

from rosterbot.api.models import MemberInput
from rosterbot.domain.roles import Role
from rosterbot.emulators.slack_api.state import ResponsePost
from rosterbot.sandbox import Sandbox

from .conftest import ADMIN, click, command, everything_said, texts

TEAM_SIZE = 1000
MEMBER_ID = re.compile(r"`#(\d+)`")


@pytest.fixture(scope="module")
def crowd(_box: Sandbox, module_engine: Engine) -> Sandbox:
    """The demo business grown to 1,000 active members."""
    _box.api_state.reset()
    _box.slack_state.clear()
    _box.services.identity.forget()
    api = _box.services.api
    present = sum(1 for member in api.list_team() if member.is_active)
    for n in range(TEAM_SIZE - present):
        api.create_member(MemberInput(role=Role.STAFF, first_name="Member", last_name=f"{n:04d}"))
    return _box


def member_ids(response: ResponsePost) -> list[int]:
    return [int(found) for found in MEMBER_ID.findall(texts(response.blocks or []))]


def test_team_list_counts_a_thousand_members_and_pages_to_the_last(crowd: Sandbox) -> None:
    answer = command(crowd, ADMIN, "/team", "list")
    assert "Team · 1,000 members" in everything_said(answer)
    assert answer.text.startswith("Team: 1,000 members (page 1 of 40)")
    seen = member_ids(answer)
    pages = 1
    while "team_list_page_next" in str(answer.blocks):
        answer = click(crowd, ADMIN, answer, "team_list_page_next")
        assert "Team · 1,000 members" in everything_said(answer)
        seen += member_ids(answer)
        pages += 1
        assert pages <= 40, "the pager does not end"
    assert pages == 40 and "Page 40 of 40 · members 976–1,000 of 1,000" in texts(answer.blocks)
    assert len(seen) == TEAM_SIZE and len(set(seen)) == TEAM_SIZE
