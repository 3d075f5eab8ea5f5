"""licenses.task_id indexed: approving a task looks up the license it issued, and without the index
that look-up read every license ever issued (12 s under load with a million cases of history)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 22:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_licenses_task_id", "licenses", ["task_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_licenses_task_id", table_name="licenses")
