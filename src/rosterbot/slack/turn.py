"""One user request and how it is answered: `Turn` (a command, a click, or a submitted form), and
the listeners that ack and hand a `Turn` to a feature's work (`/team`, `/position`, `/timeoff`).

Each listener is Bolt's `ack=`/`lazy=` pair (`Listener`): the ack function answers Slack on the
HTTP thread; the lazy function, stored as a job before the ack goes out, does the rest in a worker
(`rosterbot.slack.jobs`). An error raised there is not caught here: it goes to
`rosterbot.slack.errors.report_error`, which tells the user where the request came from. Work
that fills a modal runs under `Turn.in_modal` instead, so that a refusal shows in the modal rather
than leaving it "Loading…". A submitted form is one idiom (`form_listener`): the modal shows
progress at once, then the outcome; a failure puts the form back with what the user typed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from rosterbot.domain.permissions import Operation, check
from rosterbot.domain.roles import Actor, Role
from rosterbot.services.errors import NotLinked, PermissionDenied
from rosterbot.slack.blocks.common import BlockDicts, loading_view, notice, notice_view, refilled_form
from rosterbot.slack.client import tell_user
from rosterbot.slack.context import actor_of, defer_work, services_of, settings_of
from rosterbot.slack.errors import field_messages, user_message
from rosterbot.slack.ids import CallbackId
from rosterbot.slack.metadata import (
    FORM_OUT_OF_DATE,
    FormMetadata,
    Sealer,
    key_of,
)
from rosterbot.slack.parsing import Form, StateValues, split_subcommand

if TYPE_CHECKING:
    from rosterbot.services.container import Services

log = logging.getLogger(__name__)

SAVING_TEXT = ":hourglass_flowing_sand: Saving…"
NOTHING_SAVED = "Nothing was saved; correct it or send it again."

T = TypeVar("T")
R = TypeVar("R")
M = TypeVar("M", bound=FormMetadata)
L = TypeVar("L", bound=Callable[..., None])


@dataclass
class Turn:
    """One user request: a command, a click that continues one, or a form.

    `view_id`: the modal being filled (opened with a loading view, or the modal clicked in): answers
    go into it. Else `respond` (the response_url; `replace` overwrites the message clicked), else an
    ephemeral message in `channel_id`, else a DM."""

    context: BoltContext
    client: WebClient
    respond: Respond | None
    team_id: str
    user_id: str
    channel_id: str | None
    trigger_id: str | None
    view_id: str | None = None
    modal_title: str = ""  # the title of the modals this turn opens or fills
    replace: bool = False
    body: Mapping[str, Any] = field(default_factory=dict)  # the request's payload

    @classmethod
    def of_command(
        cls,
        command: Mapping[str, Any],
        context: BoltContext,
        client: WebClient,
        respond: Respond | None,
        *,
        modal_title: str = "",
    ) -> Turn:
        return cls(
            body=command,
            context=context,
            client=client,
            respond=respond,
            team_id=str(command.get("team_id") or context.team_id or ""),
            user_id=str(command.get("user_id") or context.user_id or ""),
            channel_id=command.get("channel_id"),
            trigger_id=command.get("trigger_id"),
            modal_title=modal_title,
        )

    @classmethod
    def of_action(
        cls,
        body: Mapping[str, Any],
        context: BoltContext,
        client: WebClient,
        respond: Respond | None,
        *,
        modal_title: str = "",
    ) -> Turn:
        container = body.get("container") or {}
        in_view = container.get("type") == "view" and isinstance(body.get("view"), Mapping)
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id") or context.channel_id
        return cls(
            body=body,
            context=context,
            client=client,
            respond=None if in_view else respond,
            team_id=str(context.team_id or (body.get("team") or {}).get("id") or ""),
            user_id=str(context.user_id or (body.get("user") or {}).get("id") or ""),
            channel_id=channel,
            trigger_id=body.get("trigger_id"),
            view_id=body["view"]["id"] if in_view else None,
            modal_title=modal_title,
            replace=not in_view,
        )

    @classmethod
    def of_submission(
        cls,
        body: Mapping[str, Any],
        context: BoltContext,
        client: WebClient,
        metadata: FormMetadata,
        *,
        modal_title: str,
    ) -> Turn:
        """A submitted form, acked with a progress view: answers go into its modal (`view_id`),
        and `report` also tells the channel the command came from (`channel_id` in the verified
        private metadata), else a DM."""
        channel = metadata.channel_id
        if channel and not context.channel_id:
            context["channel_id"] = str(channel)  # where errors.py tells the user about a refusal
        return cls(
            body=body,
            context=context,
            client=client,
            respond=None,
            team_id=str(context.team_id or ""),
            user_id=str(context.user_id or ""),
            channel_id=str(channel) if channel else None,
            trigger_id=None,
            view_id=str((body.get("view") or {}).get("id") or "") or None,
            modal_title=modal_title,
        )

    @property
    def actor(self) -> Actor:
        return actor_of(self.context)

    @property
    def services(self) -> Services:
        return services_of(self.context)

    def say(self, text: str, blocks: BlockDicts | None = None) -> None:
        """Answer the user where this request is answered (see the class)."""
        blocks = blocks if blocks is not None else notice(text)
        if self.view_id is not None and self.in_notice(blocks):
            return  # else the user closed the modal meanwhile: told outside it
        if self.respond is not None:
            self.respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=self.replace)
        else:
            tell_user(self.client, self.user_id, self.channel_id, text, blocks)

    def report(self, text: str, blocks: BlockDicts | None = None) -> None:
        """A form's outcome: in its modal, and where the form came from (a message that stays)."""
        blocks = blocks if blocks is not None else notice(text)
        if self.view_id is not None:
            self.in_notice(blocks)
        tell_user(self.client, self.user_id, self.channel_id, text, blocks)

    def in_notice(self, blocks: BlockDicts) -> bool:
        """The open modal replaced by a notice of `blocks`; False when the user has closed it."""
        assert self.view_id is not None
        return modal_replaced(
            self.client, self.view_id, notice_view(self.modal_title, blocks, CallbackId.TEAM_NOTICE)
        )

    def refill_on_failure(self, nothing_done: str, work: Callable[[], T]) -> T | None:
        """A form's `work`, run after its ack (the modal shows progress). On any failure (a field
        the service refuses included) the form comes back with what the user typed and why, so
        nothing they entered is lost; None then. If the modal is gone, the user is told outside it."""
        try:
            return work()
        except Exception as exc:  # noqa: BLE001 - every failure goes back into the form
            view = dict(self.body.get("view") or {})
            said = f":warning: {user_message(exc)} {nothing_done}"  # logs an unexpected one
            notes = field_messages(exc, view)  # under their inputs, so not again on top
            refilled = refilled_form(view, f":warning: {nothing_done}" if notes else said, notes)
            shown = self.view_id is not None and (
                modal_replaced(self.client, self.view_id, refilled, any_refusal=True)
                or self.in_notice(notice(said))
            )
            if not shown and self.user_id:
                tell_user(self.client, self.user_id, self.channel_id, said, notice(said))
            return None

    def open_loading(self, title: str) -> None:
        """Open the modal at once (the trigger expires in 3 s) with a loading view; later answers fill it."""
        self.modal_title = title
        if self.view_id is not None:
            return  # a choice made inside the modal: fill the same one
        if not self.trigger_id:
            raise LookupError("this request has no trigger id to open a modal with")
        opened = self.client.views_open(
            trigger_id=self.trigger_id, view=loading_view(title, CallbackId.TEAM_NOTICE)
        )
        self.view_id = opened["view"]["id"]

    def fill_modal(self, view: dict[str, Any]) -> None:
        assert self.view_id is not None, "open_loading first"
        modal_replaced(self.client, self.view_id, view)  # a modal closed before it was filled: left so

    def in_modal(self, work: Callable[[], None]) -> None:
        """Run `work` for the open modal; a refusal or failure is shown in it, not left "Loading…"."""
        try:
            work()
        except Exception as error:  # shown to the user; user_message logs an unexpected one
            self.say(user_message(error))


def modal_replaced(
    client: WebClient, view_id: str, view: dict[str, Any], *, any_refusal: bool = False
) -> bool:
    """The open modal `view_id` replaced by `view`; False when the user has closed it meanwhile
    (Slack answers not_found) or, with `any_refusal`, when Slack refuses `view` for any reason
    (a form shown again as it came). Any other refusal is raised."""
    try:
        client.views_update(view_id=view_id, view=view)
        return True
    except SlackApiError as error:
        code = error.response.get("error")
        if code != "not_found" and not any_refusal:
            raise
        log.info("modal %s not updated: %s", view_id, code)
        return False


def require(actor: Actor, operation: Operation, *, target_role: Role | None = None) -> None:
    """Refuse at once (before a form or a confirmation is shown) when the actor's role is not
    enough. The services check again, with a fresh role, before they write."""
    decision = check(actor.role, operation, target_role=target_role)
    if decision.allowed:
        return
    if not actor.is_linked:
        raise NotLinked()
    raise PermissionDenied(decision.required_role, decision.reason)


def action_value(action: Mapping[str, Any]) -> str:
    """A button's value, or a select's chosen option's value."""
    selected = action.get("selected_option")
    if isinstance(selected, Mapping):
        return str(selected.get("value") or "")
    return str(action.get("value") or "")


# ---- what comes back through Slack ------------------------------------------------------------------
# A button's value and a form's private metadata are read in one place, `rosterbot.slack.metadata`;
# these bind it to the request. A value that does not read is refused in one sentence (the error
# handler shows a ServiceError's message), and nothing is done.


def sealer_of(context: BoltContext) -> Sealer:
    """Seals a form's private metadata for this request's user and workspace, and opens it."""
    return Sealer(key_of(settings_of(context)), str(context.team_id or ""), str(context.user_id or ""))


def form_metadata(context: BoltContext, view: Mapping[str, Any], model: type[M]) -> M | None:
    """The submitted view's metadata as `model`, if this app sealed it for this user; else None."""
    return sealer_of(context).unseal(view.get("private_metadata"), model)


def refuse_stale_form(ack: Ack, view: Mapping[str, Any]) -> None:
    """Answer a form whose metadata is not ours (forged, edited, or from another form or user):
    the modal says so, and nothing is done."""
    title = view.get("title")
    title = title.get("text") if isinstance(title, Mapping) else None  # plain text, clipped
    log.warning("refused a form whose private metadata does not verify (%s)", view.get("callback_id"))
    shown = notice(f":warning: {FORM_OUT_OF_DATE}")
    shown_title = title if isinstance(title, str) and title.strip() else "rosterbot"
    ack(response_action="update", view=notice_view(shown_title, shown, CallbackId.TEAM_NOTICE))


# ---- a command's subcommands ----------------------------------------------------------------------

Subcommand = Callable[[Turn, str], None]  # (turn, the words after the subcommand)


class Help(Protocol):
    def __call__(self, turn: Turn, rest: str, *, unknown: str = "") -> None: ...


def dispatch(turn: Turn, text: str, subcommands: Mapping[str, Subcommand], help_: Help) -> None:
    """Run the subcommand `text` starts with; an unknown one gets the help, saying it is unknown."""
    subcommand, rest = split_subcommand(text)
    handler = subcommands.get(subcommand)
    if handler is None:
        help_(turn, rest, unknown=subcommand)
        return
    handler(turn, rest)


# ---- listeners: ack, then the work ------------------------------------------------------------------
# Bolt passes arguments by parameter name, so each function below keeps Bolt's names.


class Listener(NamedTuple):
    """Bolt's ack function and lazy function of one listener: `app.command("/x")(*listener)`."""

    ack: Callable[..., None]
    work: Callable[..., None]


def command_listener(work: Callable[[Turn, str], None], *, modal_title: str) -> Listener:
    """A slash command's listener: ack, then `work(turn, the command's text)`. The work first takes
    one from the user's share of commands (`services.throttle`): beyond it the user reads why
    (`TooFast`, through the error handler) and nothing else is done."""

    def ack_command(ack: Ack, context: BoltContext) -> None:
        ack()
        defer_work(context)

    def run_command(
        command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
    ) -> None:
        throttle = getattr(services_of(context), "throttle", None)  # test doubles may have none
        if throttle is not None and context.team_id and context.user_id:
            throttle.admit(context.team_id, context.user_id)
        turn = Turn.of_command(command, context, client, respond, modal_title=modal_title)
        work(turn, str(command.get("text") or ""))

    return Listener(named_after(ack_command, work, "ack"), named_after(run_command, work))


def action_listener(work: Callable[[Turn, str], None], *, modal_title: str) -> Listener:
    """A button's (or select's) listener: ack, then `work(turn, the value clicked)`."""

    def ack_click(ack: Ack, context: BoltContext) -> None:
        ack()
        defer_work(context)

    def run_click(
        body: dict[str, Any],
        action: dict[str, Any],
        context: BoltContext,
        client: WebClient,
        respond: Respond | None,
    ) -> None:
        turn = Turn.of_action(body, context, client, respond, modal_title=modal_title)
        work(turn, action_value(action))

    return Listener(named_after(ack_click, work, "ack"), named_after(run_click, work))


def deferred(work: Callable[..., None]) -> Listener:
    """A listener that acks and does all of `work` after (Bolt passes `work` its arguments by name)."""

    def ack_only(ack: Ack, context: BoltContext) -> None:
        ack()
        defer_work(context)

    return Listener(named_after(ack_only, work, "ack"), work)


def form_listener(
    read: Callable[[StateValues, BoltContext], Form[T]],
    save: Callable[[Turn, M, T], R],
    tell: Callable[[Turn, M, R], None],
    metadata: type[M],
    *,
    title: str,
    progress: str = SAVING_TEXT,
    nothing_done: str = NOTHING_SAVED,
) -> Listener:
    """A form's listener. Metadata we did not seal for this user refuses the form; a form that
    does not read well (`read`: checks without the API or Slack) is answered under its inputs.
    Else the ack turns the modal into `progress` at once (titled `title`); after it,
    `save(turn, the view's private metadata as `metadata`, what the form holds)` calls the service,
    and `tell(turn, metadata, what it returned)` says the outcome (`Turn.report`). What `save`
    raises (a field the service refuses) puts the form back, refilled, with why and `nothing_done`."""

    def ack_form(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        if form_metadata(context, view, metadata) is None:
            refuse_stale_form(ack, view)
            return
        form = read(view["state"]["values"], context)
        if form.value is None:
            ack(response_action="errors", errors=form.errors)
            return
        ack(response_action="update", view=notice_view(title, notice(progress), CallbackId.TEAM_NOTICE))
        defer_work(context)

    def save_form(
        body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient
    ) -> None:
        # Read again from the stored request: what the ack function read is gone with its process.
        sealed = form_metadata(context, view, metadata)
        form = read(view["state"]["values"], context)
        if sealed is None or form.value is None:
            log.warning("a stored form no longer reads (%s): nothing done", view.get("callback_id"))
            return
        turn = Turn.of_submission(body, context, client, sealed, modal_title=title)
        data = form.value
        saved = turn.refill_on_failure(nothing_done, lambda: save(turn, sealed, data))
        if saved is not None:  # a failure to tell is not "nothing was saved": errors.py says it
            tell(turn, sealed, saved)

    return Listener(named_after(ack_form, tell, "ack"), named_after(save_form, tell))


def named_after(listener: L, work: Callable[..., None], suffix: str = "") -> L:
    """`listener`, named after its work in Bolt's logs and in stored jobs (not functools.wraps:
    Bolt would then read the work's parameters instead of the listener's)."""
    name = getattr(work, "__name__", "listener") + (f"_{suffix}" if suffix else "")
    listener.__name__ = name
    listener.__qualname__ = name
    return listener
