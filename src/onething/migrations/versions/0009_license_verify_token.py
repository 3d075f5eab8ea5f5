"""license verify token: the random token the QR code carries (public check that cannot be enumerated)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-12 10:00:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000


def _backfill() -> None:
    """Every license issued so far gets its own random token (the kind ``licenses.tokens`` makes)."""
    bind = op.get_bind()
    licenses = sa.table("licenses", sa.column("id", sa.Integer()), sa.column("verify_token", sa.String()))
    ids = [row[0] for row in bind.execute(sa.select(licenses.c.id).order_by(licenses.c.id))]
    update = (
        sa.update(licenses).where(licenses.c.id == sa.bindparam("row_id")).values(verify_token=sa.bindparam("token"))
    )
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        bind.execute(update, [{"row_id": i, "token": secrets.token_urlsafe(16)} for i in chunk])


def upgrade() -> None:
    # NOT NULL from the start, with an empty default for the rows already there: SQLite can add such a
    # column in place, while making it NOT NULL afterwards would rebuild the table, and dropping the old
    # one trips license_events' foreign keys (which cannot be switched off inside the migration's
    # transaction). The backfill replaces every empty value before the unique index is built.
    op.add_column("licenses", sa.Column("verify_token", sa.String(length=32), server_default="", nullable=False))
    _backfill()
    op.create_index(op.f("ix_licenses_verify_token"), "licenses", ["verify_token"], unique=True)
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("licenses", "verify_token", server_default=None)  # every new row brings its own
    # (SQLite keeps the empty default; the unique index refuses a second row that relies on it.)


def downgrade() -> None:
    op.drop_index(op.f("ix_licenses_verify_token"), table_name="licenses")
    op.drop_column("licenses", "verify_token")  # SQLite ≥ 3.35 drops a column in place
