"""posted_messages per workspace: each workspace's messages (and its daily digest claim) are its own.

Backfill: a request's messages (ref "request:<id>", or "request:<id>@<user>" for an approver's
DM) take the request's workspace; a digest takes the workspace whose team channel it went to, else
"" (the environment's default channel, as the digest of a bot with no workspace settings).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 09:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("posted_messages") as batch:
        batch.add_column(sa.Column("slack_team_id", sa.String(length=32), nullable=False, server_default=""))
        batch.drop_constraint("uq_posted_messages_kind", type_="unique")
        batch.create_unique_constraint(
            "uq_posted_messages_slack_team_id", ["slack_team_id", "kind", "ref", "channel"]
        )
    with op.batch_alter_table("posted_messages") as batch:
        batch.alter_column("slack_team_id", server_default=None)
    op.execute(
        """
        UPDATE posted_messages SET slack_team_id = COALESCE((
            SELECT request.slack_team_id FROM time_off_requests request
            WHERE posted_messages.ref = 'request:' || CAST(request.id AS VARCHAR(12))
               OR posted_messages.ref LIKE 'request:' || CAST(request.id AS VARCHAR(12)) || '@%'
        ), '')
        WHERE ref LIKE 'request:%'
        """
    )
    op.execute(
        """
        UPDATE posted_messages SET slack_team_id = COALESCE((
            SELECT MIN(settings.slack_team_id) FROM workspace_settings settings
            WHERE settings.team_channel = posted_messages.channel
        ), '')
        WHERE kind = 'digest'
        """
    )


def downgrade() -> None:
    # One row per (kind, ref, channel) again: keep the first.
    op.execute(
        """
        DELETE FROM posted_messages
        WHERE EXISTS (
            SELECT 1 FROM posted_messages earlier
            WHERE earlier.kind = posted_messages.kind AND earlier.ref = posted_messages.ref
              AND earlier.channel = posted_messages.channel AND earlier.id < posted_messages.id
        )
        """
    )
    with op.batch_alter_table("posted_messages") as batch:
        batch.drop_constraint("uq_posted_messages_slack_team_id", type_="unique")
        batch.create_unique_constraint("uq_posted_messages_kind", ["kind", "ref", "channel"])
        batch.drop_column("slack_team_id")
