"""`rosterbot worker`: deliver the outbox, queue reminders and the daily digest, in a loop.

Run as many workers as you like (`Procfile`'s `worker`, scaled): outbox items are claimed so that
two workers never deliver the same one, and digests and reminders are claimed in the database, so
each happens once however many workers run.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from rosterbot.config import Settings
from rosterbot.services.digest import DigestService
from rosterbot.services.outbox import OutboxDelivery

log = logging.getLogger(__name__)

BATCH = 20


class WorkerServices(Protocol):
    """What the worker needs of the services container."""

    @property
    def outbox(self) -> OutboxDelivery | None: ...

    @property
    def digests(self) -> DigestService: ...


def run_once(services: WorkerServices, *, batch: int = BATCH) -> int:
    """One pass: queue due reminders and digests, then deliver due outbox items until none is left,
    follow-ups included (at most 50 batches, so a flood cannot starve the scheduling). Returns the
    number of items delivered."""
    if services.outbox is None:
        raise RuntimeError("the worker needs services built with a notifier (a Slack bot token)")
    services.digests.enqueue_reminders()
    services.digests.enqueue_due_digests()
    delivered = 0
    for _ in range(50):
        claimed = services.outbox.deliver_due(batch)
        delivered += claimed
        if claimed == 0:
            break
    return delivered


def check_channels(services: WorkerServices) -> None:
    """At start: one WARNING line for each configured channel the bot cannot post in (also shown
    in /team settings). A check that cannot run is logged, never fatal."""
    if services.outbox is None:
        return
    try:
        services.outbox.check_channels()
    except Exception:  # noqa: BLE001 - the worker starts all the same
        log.exception("the channels could not be checked at start")


def run(
    settings: Settings,
    services: WorkerServices,
    *,
    once: bool = False,
    poll_seconds: float = 2.0,
    stop_event: threading.Event | None = None,
) -> None:
    """Loop until `stop_event` is set (or after one pass with `once`). A pass that fails — the
    database restarting, say — is logged and tried again at the next poll (with `once`, it raises)."""
    stop = stop_event or threading.Event()
    log.info(
        "worker started (poll every %.1f s, digest at %s %s)",
        poll_seconds,
        settings.digest_time,
        settings.timezone,
    )
    check_channels(services)
    while not stop.is_set():
        try:
            run_once(services)
        except Exception:  # noqa: BLE001 - the loop outlives a bad pass; each item has its retries
            if once:
                raise
            log.exception("worker pass failed; trying again in %.1f s", poll_seconds)
        if once:
            return
        stop.wait(poll_seconds)
    log.info("worker stopped")
