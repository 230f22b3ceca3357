"""What rosterbot keeps in a request's Bolt context: one typed `RequestScope` under one key.

Listeners read it with `services_of(context)`, `settings_of(context)` and `actor_of(context)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltContext

from rosterbot.config import Settings
from rosterbot.domain.roles import Actor
from rosterbot.services.jobs import Claim

if TYPE_CHECKING:
    from rosterbot.services.container import Services

SCOPE_KEY = "rosterbot"


@dataclass
class StoredJob:
    """A listener's lazy work being run from the job queue (`rosterbot.slack.jobs`), not a request
    from the internet: it was verified before it was stored. `ran`: its lazy function was found and
    run."""

    claim: Claim
    steps: dict[str, Any] = field(default_factory=dict)  # what earlier attempts did (JobSteps)
    ran: bool = False

    @property
    def attempt(self) -> int:
        return self.claim.attempt


@dataclass
class RequestScope:
    """One request's rosterbot state.

    `trusted`: it passed Slack's signature check (or is a stored job) and comes from the installed
    workspace; only then does the error handler tell the user it names. `defer`: the listener's ack
    function asked for its lazy work to be stored and done (a form answered with errors does not).
    `job`: set when a worker runs the request's stored lazy work."""

    services: Services
    settings: Settings
    trusted: bool = False
    defer: bool = False
    job: StoredJob | None = None
    resolve_actor: Callable[[], Actor] | None = field(default=None, repr=False)
    actor: Actor | None = None

    def __deepcopy__(self, memo: dict[int, object]) -> RequestScope:
        # Bolt deep-copies a request's context for each lazy function; the scope holds the
        # process's services (connections, locks) and stays one object per request.
        return self


def scope_of(context: BoltContext) -> RequestScope | None:
    scope = context.get(SCOPE_KEY)
    return scope if isinstance(scope, RequestScope) else None


def _scope(context: BoltContext) -> RequestScope:
    scope = scope_of(context)
    if scope is None:
        raise LookupError("this request went through none of rosterbot's middleware")
    return scope


def services_of(context: BoltContext) -> Services:
    return _scope(context).services


def settings_of(context: BoltContext) -> Settings:
    return _scope(context).settings


def is_trusted(context: BoltContext) -> bool:
    scope = scope_of(context)
    return scope is not None and scope.trusted


def defer_work(context: BoltContext) -> None:
    """From an ack function: store this listener's lazy work, to be done after Slack has its answer."""
    _scope(context).defer = True


def is_retry(context: BoltContext) -> bool:
    """This is a stored job's second (or later) run: its first may have done part of the work."""
    scope = scope_of(context)
    return scope is not None and scope.job is not None and scope.job.attempt > 1


def actor_of(context: BoltContext) -> Actor:
    """The actor behind the request, resolved once per request on first use (call it after ack);
    raises `NoActor` (a LookupError) for a request without a Slack user and team."""
    scope = _scope(context)
    if scope.actor is None and scope.resolve_actor is not None:
        scope.actor = scope.resolve_actor()
    if scope.actor is None:
        raise NoActor("this request has no Slack user to act as")
    return scope.actor


class NoActor(LookupError):
    """The request names no Slack user and team (Slack always sends both for a person's action):
    there is nobody to act as, and nobody to tell."""
