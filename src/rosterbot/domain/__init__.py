"""Pure domain: roles, permissions, availability, dates. Imports nothing of ours; every layer may use it."""
