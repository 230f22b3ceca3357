"""channel_problems per workspace: a channel's failure is shown in its own workspace's settings.

Backfill: a problem goes to each workspace whose settings name the channel; a channel no workspace
names is one of the environment's defaults, kept under workspace "" (any workspace may use those).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAMED = """
    SELECT slack_team_id, team_channel AS channel FROM workspace_settings WHERE team_channel IS NOT NULL
    UNION
    SELECT slack_team_id, approvals_channel FROM workspace_settings WHERE approvals_channel IS NOT NULL
"""


def upgrade() -> None:
    with op.batch_alter_table("channel_problems") as batch:
        batch.add_column(sa.Column("slack_team_id", sa.String(length=32), nullable=False, server_default=""))
        batch.drop_constraint("pk_channel_problems", type_="primary")
        batch.create_primary_key("pk_channel_problems", ["slack_team_id", "channel"])
    with op.batch_alter_table("channel_problems") as batch:
        batch.alter_column("slack_team_id", server_default=None)
    op.execute(
        f"""
        INSERT INTO channel_problems (slack_team_id, channel, error, failed_at)
        SELECT named.slack_team_id, problem.channel, problem.error, problem.failed_at
        FROM channel_problems problem JOIN ({NAMED}) named ON named.channel = problem.channel
        WHERE problem.slack_team_id = '' AND named.slack_team_id <> ''
        """
    )
    op.execute(
        f"""
        DELETE FROM channel_problems
        WHERE slack_team_id = '' AND channel IN (SELECT channel FROM ({NAMED}) named)
        """
    )


def downgrade() -> None:
    # One row a channel again: keep its latest failure.
    op.execute(
        """
        DELETE FROM channel_problems
        WHERE EXISTS (
            SELECT 1 FROM channel_problems later
            WHERE later.channel = channel_problems.channel
              AND (later.failed_at > channel_problems.failed_at
                   OR (later.failed_at = channel_problems.failed_at
                       AND later.slack_team_id > channel_problems.slack_team_id))
        )
        """
    )
    with op.batch_alter_table("channel_problems") as batch:
        batch.drop_constraint("pk_channel_problems", type_="primary")
        batch.create_primary_key("pk_channel_problems", ["channel"])
        batch.drop_column("slack_team_id")
