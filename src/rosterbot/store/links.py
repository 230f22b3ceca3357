"""Slack user <-> team member links (`member_links`)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from rosterbot.store.db import upsert, utcnow
from rosterbot.store.models import MemberLink

AUTO = "email"  # `linked_by` of a link made by matching e-mails


def get_link(session: Session, slack_team_id: str, slack_user_id: str) -> MemberLink | None:
    return session.scalars(
        select(MemberLink).where(
            MemberLink.slack_team_id == slack_team_id, MemberLink.slack_user_id == slack_user_id
        )
    ).one_or_none()


def save_link(
    session: Session,
    slack_team_id: str,
    slack_user_id: str,
    member_id: int,
    *,
    linked_by: str,
    email: str | None = None,
    at: datetime | None = None,
) -> MemberLink:
    """Link the Slack user to `member_id`, replacing any earlier link of that user."""
    values = {
        "slack_team_id": slack_team_id,
        "slack_user_id": slack_user_id,
        "member_id": member_id,
        "email": email,
        "linked_by": linked_by,
        "linked_at": at or utcnow(),
    }
    upsert(session, MemberLink, values, key=("slack_team_id", "slack_user_id"))
    # populate_existing: a MemberLink already loaded in this session shows the new values.
    return session.scalars(
        select(MemberLink)
        .where(MemberLink.slack_team_id == slack_team_id, MemberLink.slack_user_id == slack_user_id)
        .execution_options(populate_existing=True)
    ).one()


def delete_link(session: Session, slack_team_id: str, slack_user_id: str) -> bool:
    """Forget the user's link; False when there was none."""
    result = session.execute(
        delete(MemberLink).where(
            MemberLink.slack_team_id == slack_team_id, MemberLink.slack_user_id == slack_user_id
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def links_for_member(session: Session, member_id: int, *, slack_team_id: str | None) -> list[MemberLink]:
    """The member's Slack users in the workspace `slack_team_id`; None: in every workspace (the
    member is leaving the business, so all their links go)."""
    query = select(MemberLink).where(MemberLink.member_id == member_id)
    if slack_team_id is not None:
        query = query.where(MemberLink.slack_team_id == slack_team_id)
    return list(session.scalars(query.order_by(MemberLink.id)))


def links_in(session: Session, slack_team_id: str) -> list[MemberLink]:
    """Every link of one Slack workspace, by member id."""
    return list(
        session.scalars(
            select(MemberLink)
            .where(MemberLink.slack_team_id == slack_team_id)
            .order_by(MemberLink.member_id, MemberLink.slack_user_id)
        )
    )


def first_users(session: Session, slack_team_id: str, member_ids: Collection[int]) -> dict[int, str]:
    """Each of the members' first linked Slack user in the workspace (the oldest link), in one
    query for all of them; a member with no link is not in it."""
    if not member_ids:
        return {}
    found: dict[int, str] = {}
    rows = session.execute(
        select(MemberLink.member_id, MemberLink.slack_user_id)
        .where(MemberLink.slack_team_id == slack_team_id, MemberLink.member_id.in_(set(member_ids)))
        .order_by(MemberLink.id)
    )
    for member_id, slack_user_id in rows:
        found.setdefault(member_id, slack_user_id)
    return found
