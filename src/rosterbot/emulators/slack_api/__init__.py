"""A Slack Web API stand-in (Flask, over HTTP) and a simulator of Slack's signed requests to the app.

- `start_slack_standin()` serves the Web API methods rosterbot uses; `SlackState` records every
  call, message, response_url post and view, and injects faults (429s, `ok: false`).
- `SlackWorkspace` sends slash commands, view submissions, clicks and events to the app, signed.
"""

from rosterbot.emulators.slack_api.server import create_slack_standin_app, start_slack_standin
from rosterbot.emulators.slack_api.state import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    EphemeralPost,
    ResponsePost,
    SlackCall,
    SlackState,
)
from rosterbot.emulators.slack_api.workspace import SlackWorkspace

__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "EphemeralPost",
    "ResponsePost",
    "SlackCall",
    "SlackState",
    "SlackWorkspace",
    "create_slack_standin_app",
    "start_slack_standin",
]
