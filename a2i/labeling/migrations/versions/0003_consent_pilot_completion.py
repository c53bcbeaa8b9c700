"""consent record, pilot participants and invites, completion code, ISO 3166 countries in the survey

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 03:30:00

Participants who started before this revision keep their stage; they agreed to the study on paper or
before consent was recorded, so their ``consent_version`` stays empty (exported as such). The survey now
asks for the country of birth and of residence as ISO 3166-1 alpha-2 codes, as the thesis's site did; the
free-text nationality answers given before stay in their (now optional) columns. The single study-lock row
is created here, once: created on first use instead, two PostgreSQL workers assigning at the same moment
both found it missing, raced to insert it and handed out items without the lock.
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("INSERT INTO study_lock (id) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM study_lock WHERE id = 1)")
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pilot", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_pilot", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("consent_version", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("completion_code", sa.String(length=64), nullable=True))
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country_of_birth", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("country_of_residence", sa.String(length=2), nullable=True))
        batch_op.alter_column("nationality", existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column("birth_nationality", existing_type=sa.String(length=64), nullable=True)


def downgrade():
    op.execute("UPDATE survey_response SET nationality = country_of_residence WHERE nationality IS NULL")
    op.execute("UPDATE survey_response SET birth_nationality = country_of_birth WHERE birth_nationality IS NULL")
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.alter_column("birth_nationality", existing_type=sa.String(length=64), nullable=False,
                              server_default="")
        batch_op.alter_column("nationality", existing_type=sa.String(length=64), nullable=False,
                              server_default="")
        batch_op.drop_column("country_of_residence")
        batch_op.drop_column("country_of_birth")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("completion_code")
        batch_op.drop_column("consented_at")
        batch_op.drop_column("consent_version")
        batch_op.drop_column("is_pilot")
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.drop_column("pilot")
