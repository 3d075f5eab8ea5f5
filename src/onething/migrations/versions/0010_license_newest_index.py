"""licenses: the holder index ends with issue date and id, so "the holder's newest valid license of a
type" (免提交, auto-fill) is one index probe however many licenses the holder has held

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 22:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_licenses_holder", table_name="licenses")
    op.create_index(
        "ix_licenses_holder", "licenses", ["holder_code", "license_type", "status", "issued_on", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_licenses_holder", table_name="licenses")
    op.create_index("ix_licenses_holder", "licenses", ["holder_code", "license_type", "status"], unique=False)
