"""The demo business both emulators share: the business API's team and the Slack workspace's users
have the same e-mails, so identity linking works out of the box (console, tests, benchmarks)."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_SLACK_TEAM_ID = "T0DEMO"
DEMO_COMPANY_ID = 1
DEMO_SALON_IDS = [1, 2]
TEAM_CHANNEL_ID = "C0TEAM"
APPROVALS_CHANNEL_ID = "C0APPROVALS"

# Credentials the business API emulator accepts unless told others; rosterbot's settings default to
# them, for the built-in emulator it starts when no live API is configured. They guard nothing
# real: they exist so that the client's auth headers are exercised on the embedded default too.
EMULATOR_PARTNER_TOKEN = "emulator-partner-token"
EMULATOR_USER_TOKEN = "emulator-user-token"
EMULATOR_SESSION_COOKIE = "emulator-session"


@dataclass(frozen=True)
class DemoPerson:
    slack_user_id: str
    first_name: str
    last_name: str
    role: str
    email: str
    phone_number: str
    position: str  # a DEMO_POSITIONS title, or "" for none


DEMO_TEAM: tuple[DemoPerson, ...] = (
    DemoPerson("U0OWNER01", "Olivia", "Owens", "owner", "olivia@demo-salon.example", "+15550100001", ""),
    DemoPerson("U0ADMIN01", "Aaron", "Adams", "admin", "aaron@demo-salon.example", "+15550100002", ""),
    DemoPerson(
        "U0ADMIN02", "Beatriz", "Alves", "admin", "beatriz@demo-salon.example", "+15550100003", "Receptionist"
    ),
    DemoPerson(
        "U0STAFF01", "Sam", "Stone", "staff", "sam@demo-salon.example", "+15550100004", "Senior Stylist"
    ),
    DemoPerson(
        "U0STAFF02", "Tara", "Singh", "staff", "tara@demo-salon.example", "+15550100005", "Senior Stylist"
    ),
    DemoPerson("U0STAFF03", "Umar", "Sato", "staff", "umar@demo-salon.example", "+15550100006", "Stylist"),
    DemoPerson("U0STAFF04", "Vera", "Silva", "staff", "vera@demo-salon.example", "+15550100007", "Stylist"),
    DemoPerson("U0STAFF05", "Will", "Shaw", "staff", "will@demo-salon.example", "+15550100008", "Colorist"),
    DemoPerson(
        "U0STAFF06", "Xena", "Soto", "staff", "xena@demo-salon.example", "+15550100009", "Receptionist"
    ),
)

DEMO_POSITIONS: tuple[tuple[str, str], ...] = (
    ("Senior Stylist", "Senior hair stylist with color specialization"),
    ("Stylist", "Cuts, styling and blow-dry"),
    ("Colorist", "Hair color and treatments"),
    ("Receptionist", "Front desk, bookings and payments"),
)

# A Slack user with no member in the business: shows the "get linked" path.
UNLINKED_SLACK_USER = ("U0GUEST01", "Gus", "Guest", "gus@elsewhere.example")
