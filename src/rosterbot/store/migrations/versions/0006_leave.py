"""Leave: leave types, leave settings, members' allowances, closed days, and a leave type on each
time-off request.

Backfill: every workspace that has requests gets the default leave types (Vacation, Sick leave,
Unpaid; `store/leave.py` DEFAULT_TYPES, written out here as they were at this revision), and its
existing requests become Vacation.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 11:40:00

"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name, emoji, counts, needs_approval, reason_private
DEFAULTS = (
    ("Vacation", ":palm_tree:", True, True, False),
    ("Sick leave", ":face_with_thermometer:", False, False, True),
    ("Unpaid", ":money_with_wings:", False, True, False),
)


def upgrade() -> None:
    leave_types = op.create_table(
        "leave_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slack_team_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("emoji", sa.String(length=64), nullable=False),
        sa.Column("counts", sa.Boolean(), nullable=False),
        sa.Column("needs_approval", sa.Boolean(), nullable=False),
        sa.Column("reason_private", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leave_types")),
        sa.UniqueConstraint("slack_team_id", "name", name=op.f("uq_leave_types_slack_team_id")),
    )
    op.create_table(
        "leave_settings",
        sa.Column("slack_team_id", sa.String(length=32), nullable=False),
        sa.Column("allowance_days", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("carry_over_cap", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("year_start_month", sa.Integer(), nullable=True),
        sa.Column("working_weekdays", sa.String(length=7), nullable=True),
        sa.Column("work_starts", sa.Time(), nullable=True),
        sa.Column("work_ends", sa.Time(), nullable=True),
        sa.Column("part_day_step", sa.String(length=16), nullable=True),
        sa.Column("holiday_country", sa.String(length=8), nullable=True),
        sa.Column("holiday_subdivision", sa.String(length=16), nullable=True),
        sa.Column("below_zero", sa.String(length=16), nullable=True),
        sa.Column("first_year", sa.Integer(), nullable=True),
        sa.Column("calendar_token", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("slack_team_id", name=op.f("pk_leave_settings")),
        sa.UniqueConstraint("calendar_token", name=op.f("uq_leave_settings_calendar_token")),
    )
    op.create_table(
        "member_allowances",
        sa.Column("slack_team_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("days", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("set_by", sa.String(length=32), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("slack_team_id", "member_id", name=op.f("pk_member_allowances")),
    )
    op.create_table(
        "closed_days",
        sa.Column("slack_team_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("added_by", sa.String(length=32), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("slack_team_id", "day", name=op.f("pk_closed_days")),
    )
    with op.batch_alter_table("time_off_requests") as batch:
        batch.add_column(sa.Column("leave_type_id", sa.Integer(), nullable=True))

    connection = op.get_bind()
    teams = (
        connection.execute(sa.text("SELECT DISTINCT slack_team_id FROM time_off_requests")).scalars().all()
    )
    now = datetime.now(UTC)
    for team in teams:
        op.bulk_insert(
            leave_types,
            [
                {
                    "slack_team_id": team,
                    "name": name,
                    "emoji": emoji,
                    "counts": counts,
                    "needs_approval": approval,
                    "reason_private": private,
                    "position": position,
                    "created_at": now,
                }
                for position, (name, emoji, counts, approval, private) in enumerate(DEFAULTS)
            ],
        )
    connection.execute(
        sa.text(
            """
            UPDATE time_off_requests SET leave_type_id = (
                SELECT types.id FROM leave_types types
                WHERE types.slack_team_id = time_off_requests.slack_team_id AND types.name = 'Vacation'
            )
            """
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("time_off_requests") as batch:
        batch.drop_column("leave_type_id")
    op.drop_table("closed_days")
    op.drop_table("member_allowances")
    op.drop_table("leave_settings")
    op.drop_table("leave_types")
