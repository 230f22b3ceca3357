"""The console on the real path: what a user types goes to the app as signed Slack requests, and
what the app sent to the Slack stand-in and stored in the business API is what the user sees."""

from __future__ import annotations

from pathlib import Path

from rosterbot.config import Settings
from rosterbot.console import run_console

from .driver import Console, run_script


def _member(console: Console, first_name: str) -> object | None:
    return next((m for m in console.box.api_state.members() if m.first_name == first_name), None)


def test_owner_lists_the_team_as_an_ephemeral_reply(console: Console) -> None:
    shown = console.type("/team list")
    assert shown.startswith("olivia #team> /team list\n[only you] rosterbot:\n")
    assert "Team · 9 members" in shown
    assert "• Sam Stone `#4`" in shown
    # It went through Slack: a signed command, answered through the response_url it carried.
    (posted,) = console.box.slack_state.responses
    assert posted.user == "U0OWNER01" and posted.channel == "C0TEAM"


def test_staff_is_refused_adding_a_member_and_nothing_is_written(console: Console) -> None:
    assert console.type(":as sam") == "olivia #team> :as sam\nYou are now Sam Stone (staff, U0STAFF01).\n"
    shown = console.type("/team add")
    assert "Only an owner or admin can add team members." in shown
    assert console.box.api_state.writes() == []
    assert console.box.slack_state.open_views("U0STAFF01") == []  # the notice was read and closed


def test_a_form_is_answered_field_by_field_and_app_errors_are_reprompted(console: Console) -> None:
    shown = console.type("/team add", "Nia", "Nash", "3", "", "12345", "+15550100077")
    assert "┌ Add team member  [modal]" in shown
    assert "  Role — Only the roles you may give are listed.\n    1. Owner\n    2. Admin\n" in shown
    assert "    3. Staff\n    › number: 3\n" in shown
    # The app refused the phone with response_action errors: shown under its label, asked again.
    assert (
        "    › optional, Enter skips: 12345\n"
        "  Phone (optional) — International form: + and country code.\n"
        "  ! Enter the number in international form"
    ) in shown
    assert "    › optional, Enter skips: +15550100077\n" in shown
    assert "✅ Added Nia Nash" in shown
    member = _member(console, "Nia")
    assert member is not None
    assert (member.role, member.phone_number) == ("staff", "+15550100077")  # type: ignore[attr-defined]


def test_client_side_checks_ask_again_without_sending(console: Console) -> None:
    shown = console.type("/team add", "", "Ola", "Olsen", "9", "2", "not-mail", "", "")
    assert "  First name:\n    ! Please complete this required field.\n  First name: Ola" in shown
    assert "    ! Choose one of 1–3." in shown
    assert "    ! Enter an e-mail address." in shown
    member = _member(console, "Ola")
    assert member is not None and member.role == "admin"  # type: ignore[attr-defined]


def test_a_form_can_be_cancelled(console: Console) -> None:
    shown = console.type("/team add", "Pia", ":cancel")
    assert "(modal closed)" in shown
    assert console.box.slack_state.open_views("U0OWNER01") == []
    assert _member(console, "Pia") is None


def test_buttons_are_numbered_and_clicked_through_slack(console: Console) -> None:
    console.type("/team add", "Quinn", "Quill", "3", "", "")
    shown = console.type("/team remove quinn")
    assert "[1] Remove   [2] Deactivate instead   [3] Cancel" in shown
    shown = console.type("2")
    assert "(the message now reads) rosterbot:" in shown
    member = _member(console, "Quinn")
    assert member is not None and member.is_active is False  # type: ignore[attr-defined]
    clicks = [c for c in console.box.slack_state.responses if c.payload.get("replace_original")]
    assert clicks, "the click was answered through its response_url"
    assert "There is no button 7" in console.type(":click 7")


def test_who_as_and_channel(console: Console) -> None:
    shown = console.type(":who")
    assert "  *  U0OWNER01  Olivia Owens   owner            olivia@demo-salon.example" in shown
    assert "     U0GUEST01  Gus Guest      not on the team  gus@elsewhere.example" in shown
    assert "You are now Aaron Adams (admin, U0ADMIN01)." in console.type(":as aaron@demo-salon.example")
    assert "could be" in console.type(":as s")  # Sam, Tara Singh, Umar Sato...
    assert "Nobody called 'zed'" in console.type(":as zed")
    assert "You are now Sam Stone" in console.type(":as U0STAFF01")
    assert "Commands are now typed in #approvals." in console.type(":channel #approvals")
    assert console.session.prompt() == "sam #approvals> "
    console.type("/team list")
    assert console.box.slack_state.responses[-1].channel == "C0APPROVALS"
    assert "No channel #nowhere; there are #approvals, #team." in console.type(":channel #nowhere")


def test_unknown_commands_and_plain_messages(console: Console) -> None:
    assert "/nope is not a valid command." in console.type("/nope now")
    assert "not channel messages" in console.type("hello bot")
    assert "Unknown console command :frob" in console.type(":frob")
    assert ":as <name|e-mail|id>" in console.type(":help")


def test_home_tab(console: Console) -> None:
    shown = console.type(":home")
    assert "[Home] rosterbot's App Home tab" in shown
    assert "You are Olivia Owens · owner" in shown
    assert console.box.slack_state.home("U0OWNER01") is not None


def test_script_transcript_and_end_of_input(console_settings: Settings, tmp_path: Path) -> None:
    transcript = run_script(
        console_settings,
        "# a comment\n\n:as beatriz\n/team show sam\n/team add\nRia\n",
        tmp_path,
    )
    lines = transcript.splitlines()
    assert lines[0] == "# a comment"
    assert lines[1] == "olivia #team> :as beatriz"
    assert "beatriz #team> /team show sam" in lines
    assert "  First name: Ria" in lines
    assert lines[-1] == "(the input ended in the middle of a form)"


def test_missing_script(console_settings: Settings, tmp_path: Path) -> None:
    assert run_console(console_settings, script=str(tmp_path / "nope.txt")) == 2


def test_a_modal_opened_loading_is_shown_once_the_app_fills_it(console: Console) -> None:
    # A slow business API: the app opens the loading view at once (the trigger id lives 3 s) and
    # fills it with views.update later, after the console has stopped seeing activity.
    console.box.api_state.set_faults(latency=0.6)
    shown = console.type("/team add", "Rae", "Ray", "3", "", "")
    methods = [c.method for c in console.box.slack_state.calls if c.method.startswith("views.")]
    assert methods[:2] == ["views.open", "views.update"]
    assert "Loading" not in shown
    assert "  First name: Rae" in shown
    assert _member(console, "Rae") is not None
