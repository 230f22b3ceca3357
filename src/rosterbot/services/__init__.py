"""Use cases: take an Actor and typed input, check permission first, then call api/ and store/.

Nothing here imports Slack; the Slack layer turns `rosterbot.services.errors` into messages.
"""
