"""The Slack layer: Bolt listeners that parse requests, ack within 3 s and render Block Kit.

`app.build_app(settings, services)` builds the Bolt app; `web.create_web_app(...)` serves it over HTTP
(`/slack/events`, `/healthz`); `web.run_socket_mode(...)` connects over Socket Mode.
"""
