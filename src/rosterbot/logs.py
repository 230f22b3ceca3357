"""How every rosterbot process logs; apart from `cli` so that gunicorn's master, which imports
nothing else of the bot, logs the same way."""

from __future__ import annotations

import logging


def configure_logging(level: int) -> None:
    """Every rosterbot process logs the same way (serve's master and worker process too)."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
