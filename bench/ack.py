"""Benchmark 1: how long Slack waits for the acknowledgement, with a slow business API.

Three scenarios, each at 1, 20 and 50 concurrent users, the business API emulator answering every
call after 2 seconds, through `rosterbot serve --workers 2` (gunicorn gthread, the Procfile's
settings) and, beside it, through the ack-only floor (`bench.floor`) under the same settings:

- list: a signed `/team list` (the answer comes later through the response_url);
- add: `/team add`, then the form's view_submission (the ack turns the modal into "Saving…";
  the member is created after it);
- timeoff: `/timeoff`, then the request form's view_submission (acked after the request is
  stored, so that the service's refusals can go under the inputs).

Only the slash command of `list` and the submissions are timed (the command that opens a form is
sent, not timed). A user is closed-loop: it sends, reads the ack, waits for rosterbot's answer to
reach Slack (the stand-in) as a person would, thinks `think` seconds and goes again, until
`duration` ends. All users start together, so each level opens with a burst. The floor never
answers, so it is sent a replay of what rosterbot's users sent, each request at the same moment
(quiet spells over a second cut short): both see the same bursts. Each rosterbot level runs on a
fresh server: work still queued at one level must not slow the next. Every request counts in the
percentiles, a failed one (Bolt gave up waiting for the ack after 3 s and answered 404: Slack
shows the user an error) with the time it took.
"""

from __future__ import annotations

import collections
import copy
import itertools
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from bench.harness import (
    Outside,
    Row,
    SignalledSlackState,
    add_bench_users,
    fresh_database,
    ms,
    new_secret,
    percentile,
    start_floor,
    start_rosterbot,
)
from bench.sender import Answer, Sender
from rosterbot.emulators.business_api import EmulatorConfig
from rosterbot.emulators.slack_api import SlackWorkspace
from rosterbot.emulators.slack_api.values import state_values
from rosterbot.emulators.slack_api.workspace import EVENTS_PATH

LEVELS = (1, 20, 50)
API_LATENCY = 2.0
GOAL_P99 = 0.300
GOAL_RATIO = 2.0
MAX_GAP = 1.0  # seconds: longer quiet spells are cut short when the floor replays a level
WARM_REQUESTS = 8  # untimed `/team help`s first: a process's first request pays auth.test
TEAM_FIELD = "team_field"  # ActionId.TEAM_FIELD
TIMEOFF_FIELD = "timeoff_field"  # ActionId.TIMEOFF_FIELD
FORM_TYPE = "application/x-www-form-urlencoded"


def add_values(number: int) -> dict[str, dict[str, Any]]:
    """The add member form filled in: a new staff member."""
    return {
        "first_name": {TEAM_FIELD: "Bench"},
        "last_name": {TEAM_FIELD: f"Added{number:05d}"},
        "role": {TEAM_FIELD: "staff"},
    }


def timeoff_values(number: int) -> dict[str, dict[str, Any]]:
    """The time-off form filled in: one day, 30 to 395 days ahead (all day is the default)."""
    day = (date.today() + timedelta(days=30 + number % 365)).isoformat()
    return {
        "starts_on": {TIMEOFF_FIELD: day},
        "ends_on": {TIMEOFF_FIELD: day},
        "reason": {TIMEOFF_FIELD: f"bench {number}"},
    }


@dataclass(frozen=True)
class Spec:
    """A scenario: the slash command, and for a form its callback id and how to fill it in."""

    label: str
    command: str
    text: str
    form: str | None = None  # None: the command itself is timed
    values: Callable[[int], dict[str, dict[str, Any]]] | None = None


SPECS: dict[str, Spec] = {
    "list": Spec("/team list", "/team", "list"),
    "add": Spec("/team add submission", "/team", "add", "team_add_member", add_values),
    "timeoff": Spec("/timeoff submission", "/timeoff", "", "timeoff_request", timeoff_values),
}
SCENARIOS = tuple(SPECS)


@dataclass
class LevelResult:
    app: str
    scenario: str
    users: int
    acks: list[float] = field(default_factory=list)  # seconds until the HTTP answer, every request
    failed: int = 0  # not 200, or no answer at all
    statuses: collections.Counter[str] = field(default_factory=collections.Counter)
    unanswered: int = 0  # acked, but rosterbot's answer did not reach Slack before the level ended
    open_failed: int = 0  # the command that opens the form not acked (untimed)
    # Seconds from the ack to the first Slack update the user sees after it: the reply to a
    # command, the modal a form command opens; and a submission's outcome (its modal shows
    # progress in the ack itself). The ack's moment is taken early (sending + the sender's
    # timing), the update's as the stand-in handled it: if anything, too long.
    first_update: list[float] = field(default_factory=list)
    outcome: list[float] = field(default_factory=list)
    api_calls: int = 0  # business API calls during the level
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def p(self, q: float) -> float:
        return percentile(self.acks, q)


@dataclass(frozen=True)
class Sent:
    """One request a rosterbot user sent: when (seconds after the level started), by whom, what."""

    offset: float
    user: str
    kind: str  # "command" (timed), "open" (the command that opens the form, not timed), "submit"


@dataclass
class Users:
    """The simulated users of one level against rosterbot; `sent` is the schedule the floor replays."""

    spec: Spec
    slack: SlackWorkspace
    sender: Sender
    state: SignalledSlackState
    result: LevelResult
    until: float
    started: float = field(default_factory=time.monotonic)
    sent: list[Sent] = field(default_factory=list)
    form: dict[str, Any] | None = None  # a form rosterbot opened: the floor submits copies
    counter: itertools.count[int] = field(default_factory=itertools.count)

    def once(self, user: str) -> None:
        spec = self.spec
        if spec.form is None:
            fields = self.slack.command_fields(user, spec.command, spec.text)
            seen = self.state.count(f"reply:{user}")
            self._log(user, "command")
            sent = time.monotonic()
            answer = timed(self.result, self.sender, self.slack, form_body(fields))
            if answer and self._wait(f"reply:{user}", seen):
                self._after_ack(self.result.first_update, f"reply:{user}", seen, sent + answer.elapsed)
            return
        assert spec.values is not None
        key = f"view:{user}:{spec.form}"
        seen_view = self.state.count(key)
        self._log(user, "open")
        sent = time.monotonic()
        opened = untimed(self.sender, self.slack, self.slack.command_fields(user, spec.command, spec.text))
        if opened.status_code != 200:
            with self.result.lock:
                self.result.open_failed += 1
            return
        if not self._wait(key, seen_view):
            return
        self._after_ack(self.result.first_update, key, seen_view, sent + opened.elapsed)
        view_id = self.state.latest_view[(user, spec.form)]
        if self.form is None:
            self.form = self.state.view(view_id)
        seen = self.state.count(f"reply:{user}")
        values = spec.values(next(self.counter))
        self._log(user, "submit")
        sent = time.monotonic()
        answer = submit(self.result, self.sender, self.slack, user, view_id, values)
        if answer and self._wait(f"reply:{user}", seen):
            self._after_ack(self.result.outcome, f"reply:{user}", seen, sent + answer.elapsed)

    def _after_ack(self, into: list[float], key: str, seen: int, acked_at: float) -> None:
        """Note how long after `acked_at` `key` went past `seen`."""
        delay = self.state.stamp(key, seen + 1) - acked_at
        if delay == delay:  # not NaN
            with self.result.lock:
                into.append(delay)

    def _log(self, user: str, kind: str) -> None:
        with self.result.lock:
            self.sent.append(Sent(time.monotonic() - self.started, user, kind))

    def _wait(self, key: str, seen: int) -> bool:
        """Wait, as the person would, for rosterbot's answer (until the level ends)."""
        if self.state.wait_above(key, seen, self.until - time.monotonic()):
            return True
        with self.result.lock:
            self.result.unanswered += 1
        return False


def form_body(fields: Mapping[str, str]) -> bytes:
    return urlencode(fields).encode()


def untimed(sender: Sender, slack: SlackWorkspace, fields: Mapping[str, str]) -> Answer:
    """POST a slash command's `fields`, signed, through `sender`, counted nowhere."""
    body = form_body(fields)
    return sender.post(slack.app_url + EVENTS_PATH, body, {"Content-Type": FORM_TYPE, **slack.sign(body)})


def timed(result: LevelResult, sender: Sender, slack: SlackWorkspace, body: bytes) -> Answer | None:
    """POST the form `body`, signed, to the app through `sender` (a process of its own, see
    `bench.sender`); record the time to its HTTP answer and the status. The answer for a 200,
    else None. Only the round trip is timed: the body is built before, and what Slack then does
    with the answer after."""
    headers = {"Content-Type": FORM_TYPE, **slack.sign(body)}
    reply = sender.post(slack.app_url + EVENTS_PATH, body, headers)
    status = str(reply.status_code) if reply.status_code is not None else reply.error
    with result.lock:
        result.acks.append(reply.elapsed)
        result.statuses[status] += 1
        if status != "200":
            result.failed += 1
    return reply if status == "200" else None


def submit(
    result: LevelResult,
    sender: Sender,
    slack: SlackWorkspace,
    user: str,
    view: str | Mapping[str, Any],
    values: Mapping[str, Mapping[str, Any]],
) -> Answer | None:
    """`user` presses Submit on `view` (an open view's id, or a view dict taken as is), as
    `SlackWorkspace.submit_view` does, with only the HTTP round trip timed. The answer, or None
    when it was not a 200."""
    state = slack.state
    shown = state.view(view) if isinstance(view, str) else copy.deepcopy(dict(view))
    if shown is None:
        raise LookupError(f"no view {view!r} in the stand-in")
    shown["state"] = {"values": state_values(shown.get("blocks") or [], values)}
    payload = {
        "type": "view_submission",
        **slack._envelope(user),  # the same envelope submit_view sends
        "trigger_id": state.issue_trigger_id(user, view_id=shown["id"]),
        "view": shown,
        "response_urls": [],
    }
    reply = timed(result, sender, slack, form_body({"payload": json.dumps(payload)}))
    if reply is None:
        return None
    answer = reply.json() if reply.content else None
    state.apply_view_response(user, shown["id"], answer if isinstance(answer, dict) else None)
    return reply


def drive(users: Users, people: Sequence[str], *, think: float, max_per_user: int | None) -> None:
    """All `people` at once, closed-loop, until `users.until` (or `max_per_user` requests each)."""

    def loop(user: str) -> None:
        done = 0
        while time.monotonic() < users.until and (max_per_user is None or done < max_per_user):
            users.once(user)
            done += 1
            if think and time.monotonic() + think < users.until:
                time.sleep(think)

    _join([threading.Thread(target=loop, args=(p,), daemon=True) for p in people], users.until)


def replay(
    sent: Sequence[Sent],
    spec: Spec,
    slack: SlackWorkspace,
    sender: Sender,
    form: dict[str, Any] | None,
    people: Sequence[str],
    *,
    max_gap: float = MAX_GAP,
) -> LevelResult:
    """Send the floor what rosterbot's users sent, per user in the same order and each request at
    the same offset, except that a quiet spell longer than `max_gap` is cut to `max_gap` (the floor
    is idle long before; bursts stay whole). Submissions send the same form (no modal is really
    open at the floor)."""
    result = LevelResult("floor", spec.label, len(people))
    view = form or (fallback_form(spec) if spec.form else {})
    numbers = itertools.count()
    schedule = compress(sent, max_gap)
    started = time.monotonic()

    def loop(user: str) -> None:
        for offset, item in ((o, s) for o, s in schedule if s.user == user):
            time.sleep(max(0.0, started + offset - time.monotonic()))
            if item.kind == "command":
                timed(result, sender, slack, form_body(slack.command_fields(user, spec.command, spec.text)))
            elif item.kind == "open":
                slack.command(user, spec.command, spec.text)
            else:
                assert spec.values is not None
                submitted = copy.deepcopy(view)
                submitted["id"] = f"V0FLOOR{next(numbers):06d}"
                values = spec.values(next(numbers))
                submit(result, sender, slack, user, submitted, values)

    last = max((o for o, _ in schedule), default=0.0)
    _join([threading.Thread(target=loop, args=(p,), daemon=True) for p in people], started + last + 30)
    return result


def compress(sent: Sequence[Sent], max_gap: float) -> list[tuple[float, Sent]]:
    """(new offset, request) in time order, every gap between consecutive requests at most `max_gap`."""
    schedule = []
    previous = shift = 0.0
    for item in sorted(sent, key=lambda s: s.offset):
        gap = item.offset - previous
        if gap > max_gap:
            shift += gap - max_gap
        previous = item.offset
        schedule.append((item.offset - shift, item))
    return schedule


def fallback_form(spec: Spec) -> dict[str, Any]:
    """A form with the inputs `spec.values` fills, for a floor run whose rosterbot run opened none."""
    assert spec.values is not None
    blocks = []
    for block_id, actions in spec.values(0).items():
        for action_id, value in actions.items():
            kind = "datepicker" if block_id in ("starts_on", "ends_on") else "plain_text_input"
            element: dict[str, Any] = {"type": kind, "action_id": action_id}
            if block_id == "role":
                option = {"text": {"type": "plain_text", "text": value}, "value": value}
                element = {"type": "static_select", "action_id": action_id, "options": [option]}
            label = {"type": "plain_text", "text": block_id}
            blocks.append({"type": "input", "block_id": block_id, "label": label, "element": element})
    return {"type": "modal", "callback_id": spec.form, "hash": "1.floor", "blocks": blocks}


def warm(slack: SlackWorkspace, user: str) -> None:
    """A few untimed requests, so that each worker has answered once (auth.test, lazy imports),
    and their answers (after the ack) arrived: none of them is taken for a timed request's."""
    state = slack.state
    seen = state.count(f"reply:{user}") if isinstance(state, SignalledSlackState) else 0
    for _ in range(WARM_REQUESTS):
        slack.command(user, "/team", "help")
    if isinstance(state, SignalledSlackState):
        state.wait_above(f"reply:{user}", seen + WARM_REQUESTS - 1, 30.0)


def _join(threads: Sequence[threading.Thread], until: float) -> None:
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(1.0, until - time.monotonic() + 60))


def run(*, api_latency: float = API_LATENCY, **kwargs: Any) -> list[Row]:
    """`measure`, as table rows."""
    return rows(measure(api_latency=api_latency, **kwargs), api_latency)


def measure(
    *,
    levels: Sequence[int] = LEVELS,
    scenarios: Sequence[str] = SCENARIOS,
    api_latency: float = API_LATENCY,
    durations: dict[int, float] | None = None,
    think: float = 0.2,
    max_per_user: int | None = None,
    database_url: str | None = None,
    server_env: dict[str, str] | None = None,
) -> list[tuple[LevelResult, LevelResult]]:
    """Every scenario at every level, rosterbot then the floor: (rosterbot's, the floor's) each."""
    durations = durations or {1: 15.0, 20: 12.0, 50: 12.0}
    outside = Outside.start(EmulatorConfig())
    secret = new_secret()
    results: list[tuple[LevelResult, LevelResult]] = []
    sender = Sender(connections=max(levels) + 10)
    try:
        # One database for the run: links made by e-mail in one level are found in the next.
        database = fresh_database(database_url)
        people = add_bench_users(outside, max(levels), role="admin")
        floor = start_floor(outside, secret)
        try:
            with outside.workspace(floor.url, secret, pool=max(levels) + 10) as floor_slack:
                warm(floor_slack, people[0])
                for scenario in scenarios:
                    for level in levels:
                        users = _rosterbot_level(
                            outside,
                            scenario,
                            people[:level],
                            secret,
                            api_latency,
                            duration=durations.get(level, 10.0),
                            think=think,
                            max_per_user=max_per_user,
                            database_url=database,
                            server_env=server_env or {},
                            sender=sender,
                        )
                        spec = SPECS[scenario]
                        base = replay(users.sent, spec, floor_slack, sender, users.form, people[:level])
                        results.append((users.result, base))
        finally:
            floor.stop(grace=0)
    finally:
        sender.close()
        outside.stop()
    return results


def _rosterbot_level(
    outside: Outside,
    scenario: str,
    people: Sequence[str],
    secret: str,
    api_latency: float,
    *,
    duration: float,
    think: float,
    max_per_user: int | None,
    database_url: str,
    server_env: dict[str, str],
    sender: Sender,
) -> Users:
    """One level on a fresh server (its caches cold, as after a deploy)."""
    server = start_rosterbot(outside, database_url, secret, settings=server_env)
    try:
        with outside.workspace(server.url, secret, pool=len(people) + 10) as slack:
            warm(slack, people[0])
            outside.api.set_faults(latency=api_latency)
            outside.api.clear_requests()
            result = LevelResult("rosterbot", SPECS[scenario].label, len(people))
            until = time.monotonic() + duration
            users = Users(SPECS[scenario], slack, sender, outside.slack, result, until=until)
            drive(users, people, think=think, max_per_user=max_per_user)
            result.api_calls = len(outside.api.requests)
    finally:
        server.stop(grace=0)  # the work still queued at this level is not wanted in the next
        outside.api.set_faults()
    return users


def rows(results: Sequence[tuple[LevelResult, LevelResult]], api_latency: float) -> list[Row]:
    out = []
    for ours, base in results:
        p50, p99, floor_p99 = ours.p(50), ours.p(99), base.p(99)
        ratio = p99 / floor_p99 if floor_p99 and floor_p99 == floor_p99 else float("nan")
        what = ours.scenario
        goal = f"p99 < {GOAL_P99 * 1000:.0f} ms, <= {GOAL_RATIO:g}x floor" if ours.users == 50 else ""
        met = ""
        if goal:
            met = " MET" if p99 < GOAL_P99 and ratio <= GOAL_RATIO and not ours.failed else " MISSED"
        out.append(
            Row(
                "1 ack",
                f"{what}, {ours.users} users, API {api_latency:g} s",
                f"p50 {ms(p50)} p99 {ms(p99)}; floor p50 {ms(base.p(50))} p99 {ms(floor_p99)}; {ratio:.1f}x",
                goal + met,
                f"n={len(ours.acks)} failed={ours.failed}{_statuses(ours)} unanswered={ours.unanswered}"
                f"{f' open_failed={ours.open_failed}' if ours.open_failed else ''}; "
                f"floor n={len(base.acks)} failed={base.failed}",
            )
        )
    return out


def _statuses(result: LevelResult) -> str:
    bad = {k: v for k, v in result.statuses.items() if k != "200"}
    return " (" + ", ".join(f"{k}x{v}" for k, v in sorted(bad.items())) + ")" if bad else ""
