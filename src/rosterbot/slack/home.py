"""The App Home tab: published (views.publish) when the user opens it, and again after they act
in it (a request cancelled, approved or denied), with a line saying what happened.

"Request time off" is handled in `slack/timeoff.py` (it opens the same form as `/timeoff`);
"Add member" opens `/team`'s add member form (`slack/team.py`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from rosterbot.api.errors import ApiError
from rosterbot.domain.permissions import Operation, check
from rosterbot.domain.roles import Actor
from rosterbot.services.errors import ServiceError
from rosterbot.slack.blocks import escape_mrkdwn
from rosterbot.slack.blocks.common import notice
from rosterbot.slack.blocks.home import MAX_QUEUED, home_view, unlinked_home_view
from rosterbot.slack.blocks.leave import balance_line
from rosterbot.slack.context import actor_of, defer_work, services_of
from rosterbot.slack.errors import user_message
from rosterbot.slack.ids import ActionId
from rosterbot.slack.metadata import FormMetadata
from rosterbot.slack.team import open_add_member_modal
from rosterbot.slack.turn import deferred, sealer_of

if TYPE_CHECKING:
    from rosterbot.services.container import Services

log = logging.getLogger(__name__)


def build_home(
    services: Services, actor: Actor, *, notice: str = "", now: datetime | None = None
) -> dict[str, Any]:
    """The Home view for `actor` as it is now."""
    if not actor.is_linked:
        return unlinked_home_view(actor, notice=notice)
    moment = now or datetime.now(UTC)
    upcoming = services.timeoff.ahead(actor, now=moment).items  # every one: the Home counts them
    approver = check(actor.role, Operation.TIME_OFF_DECIDE).allowed
    queue = services.timeoff.pending(actor, limit=MAX_QUEUED) if approver else None
    return home_view(
        actor,
        member_label=actor.name or f"member #{actor.member_id}",
        own=list(upcoming),
        queue=queue,
        can_add_member=check(actor.role, Operation.MEMBER_CREATE).allowed,
        now=moment,
        notice=notice,
        balance=f"{balance_line(services.leave.balance(actor))} See `/timeoff balance`.",
    )


def publish_home(client: WebClient, services: Services, actor: Actor, *, notice: str = "") -> None:
    client.views_publish(user_id=actor.slack_user_id, view=build_home(services, actor, notice=notice))


def refusal_on_home(client: WebClient, context: BoltContext, work: Callable[[], object]) -> None:
    """`work` for a click in the Home. The Home may be stale (a request decided meanwhile, a role
    changed): a refusal is said once, on the Home published again as it is now, rather than in a
    DM beside a Home that still shows what was refused."""
    try:
        work()
    except ServiceError as refused:
        log.info("refused a click in the Home: %s", type(refused).__name__)
        text = f":information_source: {user_message(refused)}"
        publish_home(client, services_of(context), actor_of(context), notice=text)


# ---- listeners -----------------------------------------------------------------------------------


def outage_home(text: str) -> dict[str, Any]:
    """The Home while the business API fails: what happened and what to do, nothing to click."""
    return {"type": "home", "blocks": notice(f":warning: {text}")}


def home_opened(event: dict[str, Any], context: BoltContext) -> None:
    """Bolt acks the event when this returns: the Home is published after (`publish_opened_home`)."""
    if event.get("tab", "home") == "home":
        defer_work(context)


def publish_opened_home(context: BoltContext, client: WebClient) -> None:
    """When the business API fails (resolving the user's role, or reading their requests), the
    Home says so instead of staying empty; the error then goes on to the error handler, which
    tells the user in a DM as for any request."""
    try:
        actor = actor_of(context)
        view = build_home(services_of(context), actor)
    except ApiError as error:
        if context.user_id:
            _publish_quietly(client, context.user_id, outage_home(escape_mrkdwn(error.user_message)))
        raise
    client.views_publish(user_id=actor.slack_user_id, view=view)


def _publish_quietly(client: WebClient, user_id: str, view: dict[str, Any]) -> None:
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as error:  # the error being handled matters more; it still reaches the user
        log.warning("could not publish the outage Home: %s", error.response.get("error"))


def add_member_clicked(body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    trigger_id = str(body["trigger_id"])
    refusal_on_home(
        client,
        context,
        lambda: open_add_member_modal(
            client,
            trigger_id,
            actor_of(context),
            services_of(context),
            metadata=sealer_of(context).seal(FormMetadata()),  # confirmed in a DM
        ),
    )


def register(app: App) -> None:
    app.event("app_home_opened")(home_opened, publish_opened_home)
    app.action(ActionId.HOME_ADD_MEMBER.value)(*deferred(add_member_clicked))
