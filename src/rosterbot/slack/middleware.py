"""Global Bolt middleware, in the order `build_middleware` returns them (all after Bolt's own: its
signature check, and its authorization, which calls auth.test):

1. `RequestContext`: the request's `RequestScope` (rosterbot.slack.context) for every listener.
2. `PayloadShape`: a payload of a shape Slack never sends is refused (400).
3. `InstalledWorkspace`: a request from another workspace than the bot token's is refused (403);
   the others are marked trusted, and only about those does the error handler tell a user.
4. `DeliveryDedup`: an event delivered again (Slack's retries, `X-Slack-Retry-Num`) is acked and
   its work skipped, so it is handled once, across processes (the claim is a row in
   `slack_deliveries`). A view submitted twice (same view id and hash: a double click) is claimed
   when its work is stored (`rosterbot.slack.jobs`), in the same transaction.
5. `ActorResolution`: `actor_of(context)` gives the `Actor` behind the Slack user. It is resolved
   on first use, not here: resolving may ask the business API, and a listener must be able to ack
   (and open a modal with its 3-second trigger) before that.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from rosterbot.config import Settings
from rosterbot.slack.context import SCOPE_KEY, RequestScope, scope_of

if TYPE_CHECKING:
    from rosterbot.services.container import Services

log = logging.getLogger(__name__)


def build_middleware(
    settings: Settings, services: Services, installed: Callable[[], Workspace]
) -> list[Middleware]:
    """`installed`: the workspace the bot token belongs to (auth.test)."""
    middleware: list[Middleware] = [
        RequestContext(settings, services),
        PayloadShape(),
        InstalledWorkspace(installed),
        DeliveryDedup(services.deliveries.claim),
        ActorResolution(services),
    ]
    if settings.demo:
        from rosterbot.slack.demo import DemoMarking

        middleware.append(DemoMarking())
    return middleware


def delivery_key(req: BoltRequest) -> str | None:
    """What makes a delivery the same as an earlier one: an event's id, or a submitted view's id
    and hash (the hash changes whenever the app updates the view). None: not deduplicated."""
    body = req.body if isinstance(req.body, dict) else {}
    team = str(body.get("team_id") or _field(body.get("team"), "id") or "")
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{team}:{body['event_id']}"
    if body.get("type") == "view_submission":
        view_id, view_hash = _field(body.get("view"), "id"), _field(body.get("view"), "hash")
        if view_id and view_hash:
            return f"view:{team}:{view_id}:{view_hash}"
    return None


def _field(value: Any, name: str) -> Any:
    """`value[name]` when `value` is an object; None for anything else (a payload of the wrong
    shape is answered by the listeners, or by nobody, not by a crash here)."""
    return value.get(name) if isinstance(value, dict) else None


def shape_problem(body: Any) -> str | None:
    """What is wrong with an interaction payload's shape, or None. Checks what Slack always sends
    and what Bolt (its matchers, and its log line for an unhandled request) and our listeners read
    without looking: objects that are objects (view, user, container, channel, message, state),
    ids that are strings, the user and team ids, a click's trigger id and actions (each with a
    string action_id), a view's callback_id and state values."""
    if not isinstance(body, dict) or "command" in body or body.get("type") == "event_callback":
        return None
    if "view" in body and not isinstance(body["view"], dict):
        return "view"
    for key in ("callback_id", "action_id", "block_id"):  # legacy and suggestion payloads
        if key in body and not isinstance(body[key], str):
            return key
    for key in ("user", "container", "channel", "message", "state"):  # objects, when present
        if key in body and not isinstance(body[key], dict):
            return key
    kind = body.get("type")
    if kind is not None and not isinstance(kind, str):
        return "type"
    if kind not in INTERACTIONS:
        return None
    if not isinstance(_field(body.get("user"), "id"), str):
        return "user.id"
    if not isinstance(_field(body.get("team"), "id"), str) and not isinstance(body.get("team_id"), str):
        return "team.id"
    if kind == "block_actions":
        if not isinstance(body.get("trigger_id"), str) or not body["trigger_id"]:  # modals open with it
            return "trigger_id"
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions:
            return "actions"
        for action in actions:
            if not isinstance(_field(action, "action_id"), str) or not isinstance(
                _field(action, "block_id") or "", str
            ):
                return "actions[].action_id"
    else:
        view = body.get("view")
        if not isinstance(_field(view, "callback_id"), str) or not isinstance(_field(view, "id"), str):
            return "view"
        if kind == "view_submission" and not _state_values(_field(_field(view, "state"), "values")):
            return "view.state.values"
    return None


def id_problem(context: BoltContext) -> str | None:
    """Which id Bolt read from the payload is not a string (Bolt reads some, such as a view's
    `app_installed_team_id`, before `team.id`); None when all are strings or absent."""
    for name in ("team_id", "user_id", "enterprise_id", "channel_id"):
        if context.get(name) is not None and not isinstance(context.get(name), str):
            return name
    return None


def _state_values(values: Any) -> bool:
    """`{block_id: {action_id: {...element value...}}}`, as Slack sends a view's input values."""
    return isinstance(values, dict) and all(
        isinstance(actions, dict) and all(isinstance(value, dict) for value in actions.values())
        for actions in values.values()
    )


INTERACTIONS = frozenset({"block_actions", "view_submission", "view_closed"})


class PayloadShape(Middleware):
    """Refuses (400) an interaction payload whose shape Slack never sends, before Bolt's matchers
    and our listeners index into it (a list for an action_id, `"actions": []`, no user id...)."""

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],
    ) -> BoltResponse:
        problem = shape_problem(req.body) or id_problem(req.context)
        if problem is not None:
            log.warning("refused a Slack payload of the wrong shape (%s)", problem)
            return BoltResponse(status=400, body="malformed payload")
        return next()


# What a request from another workspace is answered (Slack shows a slash command's answer).
ANOTHER_WORKSPACE = "This app serves another Slack workspace, so I did nothing."


@dataclass(frozen=True)
class Workspace:
    """A Slack workspace, and its Enterprise Grid organization if any (an org-wide install has
    only the organization)."""

    team_id: str | None
    enterprise_id: str | None = None

    def admits(self, team_id: Any, enterprise_id: Any) -> bool:
        """Whether a request naming `team_id` and `enterprise_id` (as Bolt read them; None when
        the request names none) comes from this workspace."""
        if enterprise_id is not None and enterprise_id != self.enterprise_id:
            return False
        if not self.team_id:  # an org-wide install: any of the org's workspaces
            return enterprise_id is not None
        return team_id is None or team_id == self.team_id


class InstalledWorkspace(Middleware):
    """Refuses (403, nothing looked up or stored) a request from a workspace other than the one
    the bot token belongs to: Slack signs every workspace's requests to the app with the same
    secret, so a valid signature does not say which workspace a request is from, and a user of
    another one would be linked by e-mail under that team. Marks the others trusted."""

    def __init__(self, installed: Callable[[], Workspace]) -> None:
        self._installed = installed

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],
    ) -> BoltResponse:
        if not self._installed().admits(req.context.team_id, req.context.enterprise_id):
            log.warning("refused a Slack request from another workspace")
            return BoltResponse(status=403, body=ANOTHER_WORKSPACE)
        scope = scope_of(req.context)
        if scope is not None:
            scope.trusted = True
        return next()


class RequestContext(Middleware):
    """Gives the request its `RequestScope`; a stored job's dispatch brings its own."""

    def __init__(self, settings: Settings, services: Services) -> None:
        self._settings = settings
        self._services = services

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],
    ) -> BoltResponse:
        if scope_of(req.context) is None:
            req.context[SCOPE_KEY] = RequestScope(self._services, self._settings)
        return next()


class DeliveryDedup(Middleware):
    """Handles an event that may come again (`delivery_key`) once: it is claimed here, before its
    listener runs (Bolt acks it when the listener returns; no person waits on that). A repeat is
    answered as the first was and does nothing. A submitted form is claimed with its stored work
    instead (`rosterbot.slack.jobs`): a form answered with errors made no claim, so its corrected
    submission (same hash) goes through."""

    def __init__(self, claim: Callable[[str], bool]) -> None:
        """`claim(key)`: True for the first claim of a delivery's key (`services.deliveries`)."""
        self._claim_key = claim

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],
    ) -> BoltResponse:
        key = delivery_key(req)
        scope = scope_of(req.context)
        if key is None or key.startswith("view:") or (scope is not None and scope.job is not None):
            return next()  # a stored job's event was claimed when it came from Slack
        if not self._claim_key(key):
            retry = _header(req, "x-slack-retry-num") or "-"
            log.info("skipped a repeated Slack delivery (event, retry %s)", retry)
            return BoltResponse(status=200, body="")
        return next()


class ActorResolution(Middleware):
    def __init__(self, services: Services) -> None:
        self._services = services

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],
    ) -> BoltResponse:
        team_id, user_id = req.context.team_id, req.context.user_id
        scope = scope_of(req.context)
        if scope is not None and team_id and user_id:
            identity = self._services.identity
            scope.resolve_actor = lambda: identity.resolve(team_id, user_id)
        return next()


def _header(req: BoltRequest, name: str) -> str | None:
    values = req.headers.get(name) or []
    return values[0] if values else None
