"""licenses

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 13:21:47.965142
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _append_only(table: str) -> None:
    # Status history is evidence, like case events: the function comes from 0004 on PostgreSQL.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION events_append_only()"
        )
        return
    for verb in ("update", "delete"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )


def upgrade() -> None:
    op.create_table(
        "license_sequences",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("license_type", sa.String(length=60), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_license_sequences_org_id_orgs")),
        sa.PrimaryKeyConstraint("org_id", "license_type", "year", name=op.f("pk_license_sequences")),
    )
    op.create_table(
        "seal_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=80), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.String(length=130), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_seal_keys_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seal_keys")),
        sa.UniqueConstraint("key_id", name=op.f("uq_seal_keys_key_id")),
    )
    with op.batch_alter_table("seal_keys", schema=None) as batch_op:
        batch_op.create_index("ix_seal_keys_org", ["org_id", "retired_at"], unique=False)

    op.create_table(
        "licenses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=100), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("license_type", sa.String(length=60), nullable=False),
        sa.Column("type_name", sa.String(length=60), nullable=False),
        sa.Column("holder_kind", sa.String(length=12), nullable=False),
        sa.Column("holder_name", sa.String(length=120), nullable=False),
        sa.Column("holder_code", sa.String(length=18), nullable=False),
        sa.Column("issuer_org_id", sa.Integer(), nullable=False),
        sa.Column("issuer_name", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("seal_key_id", sa.String(length=80), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_licenses_case_id_cases")),
        sa.ForeignKeyConstraint(["issuer_org_id"], ["orgs.id"], name=op.f("fk_licenses_issuer_org_id_orgs")),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name=op.f("fk_licenses_region_code_regions")),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_licenses_task_id_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licenses")),
        sa.UniqueConstraint("identifier", name=op.f("uq_licenses_identifier")),
    )
    with op.batch_alter_table("licenses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_licenses_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_licenses_holder", ["holder_code", "license_type", "status"], unique=False)
        batch_op.create_index("ix_licenses_issuer_status", ["issuer_org_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_licenses_region_code"), ["region_code"], unique=False)

    op.create_table(
        "license_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("license_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=60), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("case_number", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_license_events_actor_id_users")),
        sa.ForeignKeyConstraint(["license_id"], ["licenses.id"], name=op.f("fk_license_events_license_id_licenses")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_license_events")),
    )
    with op.batch_alter_table("license_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_license_events_license_id"), ["license_id"], unique=False)
    _append_only("license_events")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER license_events_append_only ON license_events")
    with op.batch_alter_table("license_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_license_events_license_id"))

    op.drop_table("license_events")
    with op.batch_alter_table("licenses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licenses_region_code"))
        batch_op.drop_index("ix_licenses_issuer_status")
        batch_op.drop_index("ix_licenses_holder")
        batch_op.drop_index(batch_op.f("ix_licenses_case_id"))

    op.drop_table("licenses")
    with op.batch_alter_table("seal_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_seal_keys_org")

    op.drop_table("seal_keys")
    op.drop_table("license_sequences")
