"""cases.concluded_at and tasks.decided_at indexed: supervision's statistics read one period's
conclusions and decisions, which must not mean scanning a province's years of history

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 22:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_cases_concluded_at", "cases", ["concluded_at"], unique=False)
    op.create_index("ix_tasks_decided_at", "tasks", ["decided_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_tasks_decided_at", table_name="tasks")
    op.drop_index("ix_cases_concluded_at", table_name="cases")
