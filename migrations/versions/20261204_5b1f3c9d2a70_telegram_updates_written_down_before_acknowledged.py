"""Telegram updates written down before they are acknowledged

Revision ID: 5b1f3c9d2a70
Revises: adb1670a1966
Create Date: 2026-12-04 02:25:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "5b1f3c9d2a70"
down_revision: str | Sequence[str] | None = "adb1670a1966"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "telegram_received_updates",
        sa.Column("bot_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name=op.f("pk_telegram_received_updates")),
    )
    with op.batch_alter_table("telegram_received_updates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_telegram_received_updates_received_at"), ["received_at"], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("telegram_received_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telegram_received_updates_received_at"))
    op.drop_table("telegram_received_updates")
