"""resume tokens for anonymous participants, the study's definition stored with its answers

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 23:00:00

An anonymous participant resumes with a secret only their browser or their personal link holds; the
database keeps its SHA-256 (``user.resume_hash``), never the secret. Participants who started before this
revision have none: they resume in the browser they started in, or with the platform's SESSION_ID of their
first visit. ``study_definition`` keeps every manifest the site has served (by content digest), and each
answer names the one it was given under, so an export needs no study folder to tell attention checks from
data or to say where each picture came from.
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "study_definition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest", name="uq_study_definition_digest"),
    )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resume_hash", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_user_resume_hash", ["resume_hash"], unique=True)
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("study_version", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_submission_study_version", "study_definition", ["study_version"], ["id"])


def downgrade():
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_constraint("fk_submission_study_version", type_="foreignkey")
        batch_op.drop_column("study_version")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index("ix_user_resume_hash")
        batch_op.drop_column("resume_hash")
    op.drop_table("study_definition")
