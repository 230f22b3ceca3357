"""Callback, action and block ids: one place, so listeners and the Block Kit builders agree.

Feature modules add their members here. A view submission's input `block_id`s are also the keys
of `response_action: errors`, so name an input block after the service field it fills
(`InvalidRequest.field_errors` keys): the error handler then puts each message under its input.
"""

from __future__ import annotations

from enum import StrEnum

from rosterbot.services import workspace as workspace_fields


class CallbackId(StrEnum):
    """`callback_id` of modals (view_submission / view_closed listeners match on it)."""

    ERROR_NOTICE = "error_notice"  # the modal errors.py pushes when a form has no input to flag
    # /team and /position (slack/team.py, slack/positions.py)
    TEAM_ADD_MEMBER = "team_add_member"
    TEAM_EDIT_MEMBER = "team_edit_member"
    TEAM_NOTICE = "team_notice"  # a loading, choice or refusal modal with nothing to submit
    POSITION_ADD = "position_add"
    POSITION_EDIT = "position_edit"
    # /timeoff, the approvals message and the App Home (slack/timeoff.py, slack/home.py)
    TIMEOFF_REQUEST = "timeoff_request"
    TIMEOFF_DENY = "timeoff_deny"  # the reason for a denial
    TIMEOFF_NOTICE = "timeoff_notice"  # a modal that only says something
    LEAVE_TYPE = "leave_type_form"  # add or edit a leave type (`/timeoff types`)
    # /team settings (slack/settings.py)
    SETTINGS_EDIT = "settings_edit"


class ActionId(StrEnum):
    """`action_id` of buttons, selects and inputs."""

    # /team and /position. A choice among matches numbers its buttons: "team_pick_0", "team_pick_1"...
    TEAM_PICK = "team_pick"  # value: the command text that continues the operation
    TEAM_LIST_PAGE = "team_list_page"  # "team_list_page_prev" / "team_list_page_next"
    TEAM_REMOVE_CONFIRM = "team_remove_confirm"
    TEAM_REMOVE_DEACTIVATE = "team_remove_deactivate"
    TEAM_REMOVE_CANCEL = "team_remove_cancel"
    TEAM_FIELD = "team_field"  # the one element of each member form input
    POSITION_PICK = "position_pick"
    POSITION_LIST_PAGE = "position_list_page"
    POSITION_REMOVE_CONFIRM = "position_remove_confirm"
    POSITION_REMOVE_CANCEL = "position_remove_cancel"
    POSITION_FIELD = "position_field"
    # /timeoff: buttons carry the request id as their value
    TIMEOFF_APPROVE = "timeoff_approve"
    TIMEOFF_DENY = "timeoff_deny"
    TIMEOFF_PENDING_PAGE = "timeoff_pending_page"  # "timeoff_pending_page_prev" / "..._next"
    TIMEOFF_LIST_PAGE = "timeoff_list_page"  # "timeoff_list_page_prev" / "..._next"
    TIMEOFF_CANCEL = "timeoff_cancel"
    TIMEOFF_FIELD = "timeoff_field"  # the one element of each request form input
    LEAVE_TYPE_ADD = "leave_type_add"
    LEAVE_TYPE_EDIT = "leave_type_edit"  # value: the type's id
    LEAVE_FIELD = "leave_field"  # the one element of each leave type form input
    # App Home
    HOME_REQUEST_TIMEOFF = "home_request_timeoff"
    HOME_ADD_MEMBER = "home_add_member"
    # /team settings
    SETTINGS_OPEN = "settings_open"  # "Change settings" on the settings message
    SETTINGS_FIELD = "settings_field"  # the one element of each settings form input
    SETTINGS_POSITION = "settings_position"  # the settings form's position search (external select)
    CALENDAR_FEED_REPLACE = "calendar_feed_replace"  # a new secret address for the calendar feed


class BlockId(StrEnum):
    """`block_id` of blocks a listener reads or an error is attached to."""

    ERROR_NOTICE = "error_notice"
    # /team and /position: form inputs are named after the service fields they fill
    MEMBER_FIRST_NAME = "first_name"
    MEMBER_LAST_NAME = "last_name"
    MEMBER_ROLE = "role"
    MEMBER_EMAIL = "email"
    MEMBER_PHONE = "phone_number"
    MEMBER_ACTIVE = "is_active"
    POSITION_TITLE = "title"
    POSITION_DESCRIPTION = "description"
    POSITION_SALONS = "salon_ids"
    TEAM_PICK = "team_pick"
    TEAM_LIST_NAV = "team_list_nav"
    TEAM_REMOVE = "team_remove"
    POSITION_PICK = "position_pick"
    POSITION_LIST_NAV = "position_list_nav"
    POSITION_REMOVE = "position_remove"
    # /timeoff request form: inputs named after the service's fields (InvalidRequest keys)
    TIMEOFF_MEMBER = "member"
    TIMEOFF_LEAVE_TYPE = "leave_type"
    TIMEOFF_ESTIMATE = "timeoff_estimate"  # what the request uses, shown as the form is filled
    TIMEOFF_STARTS_ON = "starts_on"
    TIMEOFF_ENDS_ON = "ends_on"
    TIMEOFF_DAY_PART = "all_day"
    TIMEOFF_START_TIME = "start_time"
    TIMEOFF_END_TIME = "end_time"
    TIMEOFF_REASON = "reason"
    TIMEOFF_NOTE = "note"  # the reason for a denial
    TIMEOFF_DECIDE = "timeoff_decide"  # the Approve / Deny actions block of the approvals message
    TIMEOFF_LIST = "timeoff_list"  # heads `/timeoff list`: a Cancel there refreshes the list
    TIMEOFF_PENDING = "timeoff_pending"  # heads `/timeoff pending`: a decision there refreshes it
    TIMEOFF_PENDING_NAV = "timeoff_pending_nav"
    TIMEOFF_LIST_NAV = "timeoff_list_nav"
    HOME_ACTIONS = "home_actions"
    LEAVE_TYPES = "leave_types"  # heads `/timeoff types`
    LEAVE_TYPE_FLAGS = "type_flags"
    # /team settings form: its inputs are services.workspace's field names (InvalidRequest keys)
    SETTINGS_TEAM_CHANNEL = workspace_fields.TEAM_CHANNEL
    SETTINGS_APPROVALS_CHANNEL = workspace_fields.APPROVALS_CHANNEL
    SETTINGS_TIMEZONE = workspace_fields.TIMEZONE
    SETTINGS_DIGEST_TIME = workspace_fields.DIGEST_TIME
    SETTINGS_MINIMUM = workspace_fields.MINIMUM_PREFIX  # + the position id: workspace.minimum_field
    SETTINGS_ACTIONS = "settings_actions"
    # with more positions than the form has room for: choose one, give its minimum
    SETTINGS_CHOSEN_POSITION = "coverage_position"
    SETTINGS_CHOSEN_MINIMUM = "coverage_minimum"
