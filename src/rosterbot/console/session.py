"""One console session: lines typed as in Slack go to the real app as signed requests; what the app
sends to the Slack stand-in is shown as Slack would show it.

Nothing here decides anything for the bot. A slash command is `SlackWorkspace.command`, a button is
`SlackWorkspace.click`, a modal is answered field by field and sent with `submit_view`; then the
session watches the stand-in's recorded calls and response_url posts from a cursor until the app
has been quiet for a moment, and prints what is new.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol, TextIO

import httpx
from sqlalchemy import func, select

from rosterbot.console.prompts import AnswerError, Field, input_fields, parse_answer
from rosterbot.console.render import PLAIN, Clickable, Names, Rendered, Style, render_message, render_view
from rosterbot.emulators.slack_api.state import BOT_USER_ID, SlackUser
from rosterbot.emulators.slack_api.values import interactive_elements
from rosterbot.store.db import utcnow
from rosterbot.store.models import OutboxItem

if TYPE_CHECKING:
    from rosterbot.sandbox import Sandbox

CANCEL = ":cancel"
SHOWN_METHODS = {
    "chat.postMessage",
    "chat.update",
    "chat.delete",
    "chat.postEphemeral",
    "views.publish",
    "files.completeUploadExternal",
}
VIEW_METHODS = {"views.open", "views.push", "views.update"}
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

HELP = """\
Type what you would type in Slack, e.g.
  /team list              /team show sam           /team add
  /timeoff                /availability week       /availability today
Console commands:
  :who                    the demo team: roles, Slack ids, who you are
  :as <name|e-mail|id>    act as someone else (try :as sam, :as aaron)
  :channel #name          where your commands are typed (now {channel})
  :click N [option]       press button N of the last message (or type N, or :click <label>)
  :home                   open rosterbot's Home tab
  :cancel                 close the open modal (also at any form prompt)
  :help                   this text
  :quit                   leave (Ctrl-D works too)
In a form, answer each field in turn; Enter skips an optional one or keeps the value shown."""


class LineSource(Protocol):
    """Where lines come from: a terminal, or a script file (which then echoes them)."""

    def read(self, prompt: str, *, history: bool = True) -> str | None:
        """The next line without its newline, or None at the end of input."""
        ...


class EndOfInput(Exception):
    """The input ended in the middle of a form."""


@dataclass(frozen=True)
class Timing:
    """How long to watch for what the app sends after an input. The app acks first and works after."""

    quiet: float = 0.3  # done when nothing new happened for this long...
    first: float = 0.5  # ...or, before any sign of work, for this long
    limit: float = 8.0  # never wait longer than this
    poll: float = 0.03


@dataclass(frozen=True)
class Choice:
    """A clickable element shown, and where it lives: a message (channel, ts), an ephemeral message
    (channel only) or a view. `shown`: the message or view as the user last saw it, which a click
    carries when the app has since edited the element away (as a Slack client that has not yet
    redrawn it does)."""

    clickable: Clickable
    channel: str | None = None
    ts: str | None = None
    view_id: str | None = None
    shown: dict[str, Any] | None = field(default=None, compare=False, repr=False)


@dataclass
class Output:
    """What one input produced: lines to print, and the clickables among them."""

    lines: list[str] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    views_changed: bool = False


class ConsoleSession:
    def __init__(
        self,
        box: Sandbox,
        out: TextIO,
        source: LineSource,
        *,
        style: Style = PLAIN,
        timing: Timing | None = None,
        watch_outbox: bool = False,
    ) -> None:
        """`watch_outbox`: a worker runs beside the app, so due outbox items count as work to wait for."""
        self.box = box
        self.state = box.slack_state
        self.out = out
        self.source = source
        self.style = style
        self.timing = timing or Timing()
        self.watch_outbox = watch_outbox
        self.names = Names(user=self._user_name, channel=self._channel_name)
        self.work = box.work_pool
        self.user_id = self.default_user()
        self.channel_id = self._resolve_channel("#team") or next(iter(self.state.channels))
        self.choices: list[Choice] = []
        self._calls = len(self.state.calls)
        self._responses = len(self.state.responses)
        self._shown_modal: tuple[str, str] | None = None
        self._shown_messages: dict[
            tuple[str, str], str
        ] = {}  # (channel, ts) -> what was last shown  # (view id, hash) of a modal waiting for a click

    # ---- the loop --------------------------------------------------------------------------

    def run(self) -> int:
        while True:
            line = self.source.read(self.prompt())
            if line is None:
                return 0
            try:
                if not self.handle(line):
                    return 0
            except EndOfInput:
                self.say(self.style.dim("(the input ended in the middle of a form)"))
                return 0

    def prompt(self) -> str:
        return f"{self._short_name(self.user_id)} {self._channel_label(self.channel_id)}> "

    def handle(self, line: str) -> bool:
        """Act on one line; False to quit."""
        text = line.strip()
        if not text or text.startswith("# "):
            return True
        if text.startswith("/"):
            self.command(text)
        elif text.isdigit():
            self.click(int(text), None)
        elif text.startswith(":"):
            return self.console_command(text)
        else:
            self.say(
                "rosterbot answers slash commands, buttons and forms, not channel messages. "
                "Try /team help, or :help."
            )
        return True

    def say(self, *lines: str) -> None:
        for line in lines:
            print(line, file=self.out)
        self.out.flush()

    # ---- Slack inputs ------------------------------------------------------------------------

    def command(self, text: str) -> None:
        name, _, rest = text.partition(" ")
        reply = self.box.slack.command(self.user_id, name, rest.strip(), channel_id=self.channel_id)
        output = Output()
        if reply.status_code == 404:
            self.settle(output)
            output.lines.append(f"{name} is not a valid command. (:help lists what to try.)")
        else:
            self._ack_body(reply, output)
            self.settle(output)
        self.show(output)

    def click(self, number: int, value: str | None) -> None:
        choice = next((c for c in self.choices if c.clickable.number == number), None)
        if choice is None:
            shown = len(self.choices)
            self.say(f"There is no button {number}" + (f" (1–{shown} are shown)." if shown else " to click."))
            return
        clickable = choice.clickable
        if clickable.kind != "button":
            value = self._pick_option(clickable, value)
            if value is None:
                return
        else:
            value = clickable.value
        slack = self.box.slack
        if choice.view_id is not None:
            view = self._clicked_container(choice, self.state.view(choice.view_id), "That form is closed.")
            if view is None:
                return
            reply = slack.click(
                self.user_id, clickable.action_id, value, view=view, block_id=clickable.block_id
            )
        elif choice.ts is not None and choice.channel is not None:
            current = self.state.message(choice.channel, choice.ts)
            message = self._clicked_container(choice, current, "That message is gone.")
            if message is None:
                return
            reply = slack.click(
                self.user_id,
                clickable.action_id,
                value,
                message=message,
                channel=choice.channel,
                block_id=clickable.block_id,
            )
        else:
            reply = slack.click(
                self.user_id, clickable.action_id, value, channel=choice.channel, block_id=clickable.block_id
            )
        output = Output()
        if reply.status_code == 404:
            output.lines.append(self.style.dim("(nothing happens: rosterbot does not handle that button)"))
        home = self.state.home(self.user_id)
        in_home = home is not None and choice.view_id == home.get("id")
        self.settle(output, show_home=not in_home)
        if in_home and self.state.home(self.user_id) != home:
            # The app answers a click in the Home tab by publishing it again: Slack redraws the tab
            # the user is looking at, answer included, so the console does too.
            self._home(output, label="[Home] (updated)")
        self.show(output)

    def _clicked_container(
        self, choice: Choice, current: dict[str, Any] | None, gone: str
    ) -> dict[str, Any] | None:
        """The message or view a click on `choice` comes from: as it is now while it still offers
        the element; else as the user last saw it. Two approvers can both click Approve before the
        app edits the buttons away, and Slack sends the late click from the old message: the app
        answers it. None (and one line said) when there is nothing to click."""
        if current is None:
            self.say(gone)
            return None
        if _offers(current, choice.clickable):
            return current
        if choice.shown is None:
            self.say(f"Button {choice.clickable.number} is no longer there: there is nothing to click.")
            return None
        self.say(self.style.dim("(clicked as you last saw it: it has changed since)"))
        return {**current, **choice.shown}

    def _choices_labelled(self, label: str) -> list[Choice]:
        wanted = label.strip().casefold()
        return [c for c in self.choices if c.clickable.label.casefold().startswith(wanted)]

    def _choice_by_label(self, label: str) -> int | None:
        """The number of the one choice whose label is or starts with `label` (case-insensitive)."""
        wanted = label.strip().casefold()
        if not wanted:
            return None
        for test in (lambda text: text == wanted, lambda text: text.startswith(wanted)):
            found = [c.clickable.number for c in self.choices if test(c.clickable.label.casefold())]
            if len(found) == 1:
                return found[0]
        return None

    def open_home(self) -> None:
        self.box.slack.home_opened(self.user_id)
        output = Output()
        self.settle(output, show_home=False)
        self._home(output, label="[Home]")
        self.show(output)

    def _home(self, output: Output, *, label: str) -> None:
        """The acting user's Home tab as it is now; its buttons become the choices."""
        home = self.state.home(self.user_id)
        if home is None:
            output.lines.append("rosterbot has no Home tab for you.")
            return
        rendered = render_view(home, self.names, self.style, first=1)
        output.lines.append(self.style.bold(label) + " " + self.style.dim("rosterbot's App Home tab"))
        output.lines.extend("    " + line for line in rendered.lines)
        output.choices = [Choice(c, view_id=home["id"], shown=home) for c in rendered.clickables]

    # ---- console commands -------------------------------------------------------------------

    def console_command(self, text: str) -> bool:
        name, _, arg = text.partition(" ")
        arg = arg.strip()
        if name in (":quit", ":q", ":exit"):
            return False
        if name == ":help":
            self.say(HELP.format(channel=self._channel_label(self.channel_id)))
        elif name == ":who":
            self.say(*self.who())
        elif name == ":as":
            self.act_as(arg)
        elif name == ":channel":
            found = self._resolve_channel(arg)
            if found is None:
                known = ", ".join(sorted("#" + c.name for c in self.state.channels.values() if not c.is_im))
                self.say(f"No channel {arg or '(none given)'}; there are {known}.")
            else:
                self.channel_id = found
                self.say(f"Commands are now typed in {self._channel_label(found)}.")
        elif name == ":click":
            number, _, value = arg.partition(" ")
            if not number.isdigit():
                labelled = self._choice_by_label(arg)
                if labelled is None and arg and not self._choices_labelled(arg):
                    self.say(f"No button {arg!r} is shown now: nothing to click.")
                elif labelled is None:
                    self.say("Say which button: :click N, or its label (the numbers are in brackets).")
                else:
                    self.click(labelled, None)
            else:
                self.click(int(number), value.strip() or None)
        elif name == ":home":
            self.open_home()
        elif name == CANCEL:
            stack = self.state.open_views(self.user_id)
            if stack:
                self._close(stack[-1])
                self.say(self.style.dim("(modal closed)"))
                self.show(self.settle(Output()))
            else:
                self.say("No modal is open.")
        else:
            self.say(f"Unknown console command {name}; :help lists them.")
        return True

    def who(self) -> list[str]:
        members = self.box.api_state.members()
        by_email = {m.email.lower(): m for m in members if m.email}
        rows: list[tuple[str, str, str, str, str]] = []
        for user in self._people():
            member = by_email.get(user.email.lower()) if user.email else None
            if member is None:
                role = "not on the team"
            else:
                role = member.role + ("" if member.is_active else " (inactive)")
            mark = "*" if user.id == self.user_id else " "
            rows.append((mark, user.id, user.real_name, role, user.email))
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        lines = [self.style.bold("The demo workspace (* is you):")]
        for row in rows:
            lines.append("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        return [line.rstrip() for line in lines]

    def act_as(self, ref: str) -> None:
        if not ref:
            self.say("Say who: :as <name, e-mail or Slack id> (:who lists them).")
            return
        found = self.find_people(ref)
        if len(found) != 1:
            if found:
                self.say(f"{ref!r} could be " + ", ".join(f"{u.real_name} ({u.id})" for u in found) + ".")
            else:
                self.say(f"Nobody called {ref!r} here; :who lists the workspace.")
            return
        self.user_id = found[0].id
        self._shown_modal = None
        role = self._role_of(found[0])
        self.say(f"You are now {found[0].real_name} ({role}, {found[0].id}).")

    def find_people(self, ref: str) -> list[SlackUser]:
        """Slack users matching an id, an e-mail, a full, first or last name, or the start of one."""
        wanted = ref.strip().removeprefix("@").casefold()
        people = self._people()
        for test in (
            lambda u: u.id.casefold() == wanted,
            lambda u: bool(u.email) and u.email.casefold() == wanted,
            lambda u: u.real_name.casefold() == wanted,
            lambda u: wanted in (u.first_name.casefold(), u.last_name.casefold()),
            lambda u: any(
                part.casefold().startswith(wanted) for part in (u.first_name, u.last_name, u.email)
            ),
        ):
            found = [u for u in people if test(u)]
            if found:
                return found
        return []

    def default_user(self) -> str:
        """The demo owner (the first active owner in the business API with a Slack user)."""
        for member in self.box.api_state.members():
            if member.role == "owner" and member.is_active and member.email:
                user = self.state.user_by_email(member.email)
                if user is not None:
                    return user.id
        return self._people()[0].id

    # ---- what the app sent -------------------------------------------------------------------

    def settle(self, output: Output, *, show_home: bool = True) -> Output:
        """Collect what the app sends until it has been quiet for `timing.quiet` (or, before any
        sign of work, `timing.first`), at most `timing.limit` seconds."""
        timing = self.timing
        start = changed = time.monotonic()
        last = self._activity()
        seen = False
        while True:
            self._collect(output, show_home=show_home)
            time.sleep(timing.poll)
            now = time.monotonic()
            activity = self._activity()
            if activity != last:
                last, changed, seen = activity, now, True
            busy = self.work.running > 0 or (self.watch_outbox and self._outbox_due() > 0)
            if not busy and now - changed >= (timing.quiet if seen else timing.first):
                break
            if now - start >= timing.limit:
                break
        self._collect(output, show_home=show_home)
        return output

    def show(self, output: Output) -> None:
        if output.lines:
            self.say(*output.lines)
        if output.choices:
            self.choices = output.choices
        self._modals(output.views_changed)

    def _activity(self) -> tuple[int, int, int]:
        return len(self.state.calls), len(self.state.responses), len(self.box.api_state.requests)

    def _outbox_due(self) -> int:
        with self.box.services.session_factory() as session:
            query = select(func.count()).where(
                OutboxItem.status == "pending", OutboxItem.next_attempt_at <= utcnow()
            )
            return int(session.scalar(query) or 0)

    def _collect(self, output: Output, *, show_home: bool) -> None:
        calls = self.state.calls[self._calls :]
        self._calls += len(calls)
        for call in calls:
            if call.method in VIEW_METHODS:
                output.views_changed = output.views_changed or call.ok
                if not call.ok:
                    output.lines.append(self._failed(call.method, call.response))
            elif call.method in SHOWN_METHODS:
                self._show_call(call.method, call.args, call.response, output, show_home=show_home)
        responses = self.state.responses[self._responses :]
        self._responses += len(responses)
        for posted in responses:
            self._show_response(posted.channel, posted.user, posted.payload, output)

    def _show_call(
        self, method: str, args: dict[str, Any], response: dict[str, Any], output: Output, *, show_home: bool
    ) -> None:
        if not response.get("ok"):
            output.lines.append(self._failed(method, response))
            return
        if method == "views.publish":
            user = str(args.get("user_id"))
            if show_home and user == self.user_id:
                output.lines.append(self.style.dim("(your Home tab was updated: :home shows it)"))
            return
        channel = str(response.get("channel") or args.get("channel") or args.get("channel_id") or "")
        if method == "files.completeUploadExternal":
            self._show_files(channel, args, response, output)
            return
        if method == "chat.delete":
            output.lines.append(f"{self._where(channel)}  " + self.style.dim("(a message was deleted)"))
            return
        if method == "chat.postEphemeral":
            user = str(args.get("user") or "")
            label = "[only you]" if user == self.user_id else f"[only @{self._user_name(user) or user}]"
            self._message(output, label, args.get("text"), args.get("blocks"), channel=channel, ts=None)
            return
        message = response.get("message") or {}
        ts = str(response.get("ts") or message.get("ts") or "")
        content = json.dumps([message.get("text"), message.get("blocks")], sort_keys=True)
        if method == "chat.update" and self._shown_messages.get((channel, ts)) == content:
            return  # an edit that changes nothing shows nothing in Slack
        self._shown_messages[(channel, ts)] = content
        edited = " (edited)" if method == "chat.update" else ""
        self._message(
            output, self._where(channel) + edited, message.get("text"), message.get("blocks"), channel, ts
        )

    def _show_files(
        self, channel: str, args: dict[str, Any], response: dict[str, Any], output: Output
    ) -> None:
        """Files shared in a channel or DM: the comment, then each file's name, title and size in
        lines (a CSV's rows), as Slack lists them under the message."""
        where = self._where(channel) if channel else "(files uploaded)"
        gap = " " if where.startswith(("[", "(")) else "  "
        head = f"{where}{gap}{self.style.bold('rosterbot')}:"
        output.lines.append(head)
        if args.get("initial_comment"):
            output.lines.append(f"    {args['initial_comment']}")
        for shared in response.get("files") or []:
            uploaded = next((f for f in self.state.files() if f.id == shared.get("id")), None)
            lines = uploaded.text.count("\n") if uploaded is not None else 0
            output.lines.append(f"    📎 {shared.get('name')} · {shared.get('title')} · {lines} lines")

    def _show_response(
        self, channel: str | None, user: str | None, payload: dict[str, Any], output: Output
    ) -> None:
        text, blocks = payload.get("text"), payload.get("blocks")
        truthy = ("true", "1", True)
        if payload.get("delete_original") in truthy:
            output.lines.append(self.style.dim("(the message was removed)"))
            return
        if payload.get("replace_original") in truthy:
            label = "(the message now reads)"
            self._message(output, label, text, blocks, channel=channel, ts=None)
            return
        if payload.get("response_type") == "in_channel" and channel:
            # The stand-in stored it as a channel message: click it as one.
            stored = self.state.messages(channel)
            ts = str(stored[-1]["ts"]) if stored else None
            self._message(output, self._where(channel), text, blocks, channel=channel, ts=ts)
            return
        label = "[only you]" if user in (None, self.user_id) else f"[only @{self._user_name(user or '')}]"
        self._message(output, label, text, blocks, channel=channel, ts=None)

    def _message(
        self,
        output: Output,
        label: str,
        text: Any,
        blocks: Any,
        channel: str | None,
        ts: str | None,
    ) -> None:
        rendered = render_message(
            str(text or ""),
            blocks if isinstance(blocks, list) else None,
            self.names,
            self.style,
            first=len(output.choices) + 1,
        )
        # "[only you] rosterbot: …", "[DM] rosterbot: …", "#approvals  rosterbot: …"
        gap = " " if label.startswith(("[", "(")) else "  "
        self._put(output, f"{label}{gap}{self.style.bold('rosterbot')}:", rendered)
        shown = {"ts": ts, "text": str(text or ""), "blocks": blocks} if ts else None
        output.choices.extend(Choice(c, channel=channel, ts=ts, shown=shown) for c in rendered.clickables)

    def _put(self, output: Output, head: str, rendered: Rendered) -> None:
        lines = [line for line in rendered.lines]
        if len(lines) == 1:
            output.lines.append(f"{head} {lines[0]}")
        else:
            output.lines.append(head)
            output.lines.extend(("    " + line).rstrip() for line in lines)

    def _failed(self, method: str, response: dict[str, Any]) -> str:
        return self.style.dim(f"(Slack refused {method}: {response.get('error', 'error')})")

    def _ack_body(self, reply: httpx.Response, output: Output) -> None:
        """A slash command's ack may carry a message: Slack shows it to the user who typed it."""
        body = reply.text.strip()
        if reply.status_code != 200:
            output.lines.append(self.style.dim(f"(the app answered HTTP {reply.status_code})"))
            return
        if not body:
            return
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {"text": body}
        if isinstance(payload, dict) and (payload.get("text") or payload.get("blocks")):
            self._show_response(self.channel_id, self.user_id, payload, output)

    # ---- modals ------------------------------------------------------------------------------

    def _modals(self, changed: bool) -> None:
        """Show the acting user's topmost modal and work it: prompts for a form, numbered buttons
        for a choice, and a notice is read and closed. Until no modal is left to work."""
        while True:
            stack = self.state.open_views(self.user_id)
            if not stack:
                self._shown_modal = None
                return
            view = self._wait_loaded(stack[-1])
            key = (str(view["id"]), str(view.get("hash")))
            if key == self._shown_modal and not changed:
                return
            changed = False
            fields = input_fields(view)
            # The inputs are asked for one by one below, so the modal shows its other blocks.
            others = [b for b in view.get("blocks") or [] if b.get("type") != "input"]
            rendered = render_view({**view, "blocks": others}, self.names, self.style, first=1)
            self.say(*(("  " + line).rstrip() for line in rendered.lines))
            if fields or view.get("submit"):
                self._shown_modal = None
                if not self._fill_and_submit(view, fields):
                    return
                continue
            if rendered.clickables:
                self.choices = [Choice(c, view_id=str(view["id"]), shown=view) for c in rendered.clickables]
                self._shown_modal = key
                self.say(self.style.dim("  (type a number to choose, or :cancel)"))
                return
            self._close(view)  # a notice: read, then closed with its Close button

    def _wait_loaded(self, view: dict[str, Any]) -> dict[str, Any]:
        """A modal opened with a loading view is filled by views.update: wait for it."""
        if not _looks_loading(view):
            return view
        deadline = time.monotonic() + self.timing.limit
        while time.monotonic() < deadline:
            time.sleep(self.timing.poll)
            current = self.state.view(str(view["id"]))
            if current is None or current.get("hash") != view.get("hash"):
                stack = self.state.open_views(self.user_id)
                return stack[-1] if stack else view
        return view

    def _fill_and_submit(self, view: dict[str, Any], fields: list[Field]) -> bool:
        """Prompt for each field, submit, and re-prompt the fields the app flags. False: cancelled."""
        values: dict[str, dict[str, Any]] = {}
        errors: dict[str, str] = {}
        pending = fields
        while True:
            for item in pending:
                answer = self._ask(item, errors.get(item.block_id), values)
                if answer is _CANCELLED:
                    self._close(view)
                    self.say(self.style.dim("  (modal closed)"))
                    self.show(self.settle(Output()))
                    return False
                values.setdefault(item.block_id, {})[item.action_id] = answer
            if not fields and not self._confirm(view):
                self._close(view)
                self.say(self.style.dim("  (modal closed)"))
                return False
            reply = self.box.slack.submit_view(self.user_id, str(view["id"]), values)
            answer_body = _json(reply)
            if answer_body.get("response_action") == "errors" and isinstance(answer_body.get("errors"), dict):
                errors = {str(k): str(v) for k, v in answer_body["errors"].items()}
                flagged = [f for f in fields if f.block_id in errors]
                if not flagged:
                    self.say(*(f"  ! {message}" for message in errors.values()))
                    self._close(view)
                    return False
                pending = flagged
                view = self.state.view(str(view["id"])) or view
                continue
            if reply.status_code != 200:
                self.say(
                    self.style.dim(f"  (the app answered HTTP {reply.status_code}; the form stays open)")
                )
            output = self.settle(Output())
            if output.lines:
                self.say(*output.lines)
            if output.choices:
                self.choices = output.choices
            return True

    def _date_from(self, values: Mapping[str, Mapping[str, Any]]) -> date:
        """What a date typed without a year follows: today, or a later date already given in the
        form ("24 Dec" as the first day, then "27 Dec" as the last: the 27th after it)."""
        latest = datetime.now(self.box.settings.zone).date()
        for answers in values.values():
            for answer in answers.values():
                if isinstance(answer, str) and _ISO_DAY.fullmatch(answer):
                    latest = max(latest, date.fromisoformat(answer))
        return latest

    def _ask(self, item: Field, error: str | None, values: Mapping[str, Mapping[str, Any]]) -> Any:
        self.say(*item.describe(self.names, self.style, error=error))
        while True:
            typed = self.source.read(item.prompt(self.names), history=False)
            if typed is None:
                raise EndOfInput
            if typed.strip() == CANCEL:
                return _CANCELLED
            try:
                return parse_answer(
                    item,
                    typed,
                    resolve_user=self._resolve_user,
                    resolve_channel=self._resolve_channel,
                    today=self._date_from(values),
                )
            except AnswerError as exc:
                self.say("    " + self.style.accent(f"! {exc}"))

    def _confirm(self, view: dict[str, Any]) -> bool:
        submit = (view.get("submit") or {}).get("text") or "Submit"
        while True:
            typed = self.source.read(f"  {submit}? (y/n): ", history=False)
            if typed is None:
                raise EndOfInput
            if typed.strip().lower() in ("y", "yes"):
                return True
            if typed.strip().lower() in ("n", "no", CANCEL):
                return False

    def _close(self, view: dict[str, Any]) -> None:
        self.box.slack.close_view(self.user_id, str(view["id"]))

    def _pick_option(self, clickable: Clickable, value: str | None) -> str | None:
        options = clickable.options
        if not options:
            return value
        if value is None:
            for n, option in enumerate(options, start=1):
                self.say(f"    {n}. {_option_text(option)}")
            value = self.source.read("  Choose (number): ", history=False)
            if value is None:
                raise EndOfInput
        value = value.strip()
        if value.isdigit() and 1 <= int(value) <= len(options):
            return str(options[int(value) - 1].get("value"))
        for option in options:
            if value.casefold() in (str(option.get("value")).casefold(), _option_text(option).casefold()):
                return str(option.get("value"))
        self.say(f"No option {value!r}.")
        return None

    # ---- names -------------------------------------------------------------------------------

    def _people(self) -> list[SlackUser]:
        return [u for u in self.state.users.values() if not u.is_bot and u.id != BOT_USER_ID]

    def _user_name(self, user_id: str) -> str | None:
        user = self.state.users.get(user_id)
        return user.real_name if user else None

    def _short_name(self, user_id: str) -> str:
        user = self.state.users.get(user_id)
        return user.name if user else user_id

    def _channel_name(self, channel_id: str) -> str | None:
        channel = self.state.channels.get(channel_id)
        if channel is None:
            return None
        return channel.name if not channel.is_im else f"DM-{self._short_name(channel.user or '')}"

    def _channel_label(self, channel_id: str) -> str:
        return "#" + (self._channel_name(channel_id) or channel_id)

    def _where(self, channel_id: str) -> str:
        channel = self.state.channels.get(channel_id)
        if channel is not None and channel.is_im:
            if channel.user == self.user_id:
                return "[DM]"
            return f"[DM to @{self._user_name(channel.user or '') or channel.user}]"
        return self._channel_label(channel_id)

    def _resolve_user(self, ref: str) -> str | None:
        found = self.find_people(ref)
        return found[0].id if len(found) == 1 else None

    def _resolve_channel(self, ref: str) -> str | None:
        ref = ref.strip()
        if not ref:
            return None
        if ref.startswith("<#") and ref.endswith(">"):
            ref = ref[2:-1].partition("|")[0]
        channel = self.state.resolve_channel(ref)
        return channel.id if channel is not None and not channel.is_im else None

    def _role_of(self, user: SlackUser) -> str:
        for member in self.box.api_state.members():
            if member.email and user.email and member.email.lower() == user.email.lower():
                return member.role if member.is_active else f"{member.role}, inactive"
        return "not on the team"


_CANCELLED = object()


def _option_text(option: dict[str, Any]) -> str:
    text = option.get("text")
    return str(text.get("text")) if isinstance(text, dict) else str(text or option.get("value"))


def _offers(container: dict[str, Any], clickable: Clickable) -> bool:
    """Whether a message's or view's blocks still hold the element `clickable` was rendered from."""
    blocks = container.get("blocks")
    return isinstance(blocks, list) and any(
        element.get("action_id") == clickable.action_id and block_id == clickable.block_id
        for block_id, element in interactive_elements(blocks)
    )


def _json(reply: httpx.Response) -> dict[str, Any]:
    try:
        body = reply.json() if reply.content else {}
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _looks_loading(view: dict[str, Any]) -> bool:
    if view.get("submit") or any(b.get("type") in ("input", "actions") for b in view.get("blocks") or []):
        return False
    text = json.dumps(view.get("blocks") or []).lower()
    return "loading" in text or "hourglass" in text
