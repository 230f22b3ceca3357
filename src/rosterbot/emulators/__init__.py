"""Stand-ins for the outside world: the business API emulator and the Slack Web API stand-in."""
