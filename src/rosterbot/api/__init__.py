"""The business API client: v1 team, calendar and blocked times; v2 positions (JSON:API)."""
