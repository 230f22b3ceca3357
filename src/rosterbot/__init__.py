"""rosterbot: run a small business's team from Slack."""

__version__ = "0.1.0"
