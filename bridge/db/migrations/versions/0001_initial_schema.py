"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('clients',
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('secret_hash', sa.String(length=255), nullable=False, comment='argon2id hash of the OAuth2 client secret'),
    sa.Column('hmac_secret_enc', sa.Text(), nullable=False, comment='current HMAC secret, Fernet-encrypted'),
    sa.Column('hmac_secret_previous_enc', sa.Text(), nullable=True, comment='previous HMAC secret during rotation'),
    sa.Column('scopes', sa.String(length=255), nullable=False, comment='space-separated scopes'),
    sa.Column('reads_per_minute', sa.Integer(), nullable=True, comment='NULL: the settings default'),
    sa.Column('writes_per_minute', sa.Integer(), nullable=True, comment='NULL: the settings default'),
    sa.Column('allowed_networks', sa.JSON(), nullable=True, comment='list of CIDRs; NULL: any source'),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.PrimaryKeyConstraint('client_id')
    )
    op.create_table('idempotency_keys',
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('request_id', sa.String(length=36), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('job_id', sa.String(length=36), nullable=True, comment='NULL while the first request is still being accepted'),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('expires_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.PrimaryKeyConstraint('client_id', 'request_id')
    )
    op.create_index('ix_idempotency_expires', 'idempotency_keys', ['expires_at'], unique=False)
    op.create_table('signing_keys',
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('public_key_pem', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('retired_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True, comment='no longer signs; still verifies until removed'),
    sa.PrimaryKeyConstraint('kid')
    )
    op.create_table('jobs',
    sa.Column('job_id', sa.String(length=36), nullable=False, comment='UUID v4'),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False, comment='update_product | import_products | update_order_status'),
    sa.Column('status', sa.String(length=24), nullable=False, comment='accepted | running | succeeded | failed | partially_succeeded'),
    sa.Column('request_id', sa.String(length=36), nullable=False),
    sa.Column('batch_id', sa.String(length=64), nullable=True, comment='imports only; unique per client'),
    sa.Column('payload', sa.JSON(), nullable=False, comment='the validated request payload'),
    sa.Column('fingerprint', sa.String(length=64), nullable=False, comment='sha256 of method, path and canonical JSON payload'),
    sa.Column('workflow_id', sa.String(length=80), nullable=False, comment='derived from job_id: job-<job_id>'),
    sa.Column('workflow_started_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True, comment='NULL: the dispatcher still has to start it'),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error_code', sa.String(length=64), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('error_retryable', sa.Boolean(), nullable=True),
    sa.Column('redrive_of_job_id', sa.String(length=36), nullable=True, comment='set when re-driven from a failed job'),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('started_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('finished_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['clients.client_id'], ),
    sa.PrimaryKeyConstraint('job_id'),
    sa.UniqueConstraint('client_id', 'batch_id', name='uq_jobs_client_batch')
    )
    op.create_index('ix_jobs_client_created', 'jobs', ['client_id', 'created_at'], unique=False)
    op.create_index('ix_jobs_undispatched', 'jobs', ['workflow_started_at', 'created_at'], unique=False)
    op.create_table('failed_jobs',
    sa.Column('job_id', sa.String(length=36), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False, comment='failed | partially_succeeded'),
    sa.Column('error_code', sa.String(length=64), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('failed_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('redriven_as_job_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.job_id'], ),
    sa.PrimaryKeyConstraint('job_id')
    )
    op.create_table('job_effects',
    sa.Column('job_id', sa.String(length=36), nullable=False),
    sa.Column('effect_key', sa.String(length=64), nullable=False, comment='e.g. stock, price, seo, item:3:create, order_state'),
    sa.Column('state', sa.String(length=16), nullable=False, comment='planned | applied'),
    sa.Column('data', sa.JSON(), nullable=False, comment='what was decided before acting (e.g. stock before/target)'),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.job_id'], ),
    sa.PrimaryKeyConstraint('job_id', 'effect_key')
    )
    op.create_table('job_items',
    sa.Column('job_id', sa.String(length=36), nullable=False),
    sa.Column('item_index', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False, comment='pending | running | succeeded | failed'),
    sa.Column('action', sa.String(length=16), nullable=True, comment='created | updated'),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('error_code', sa.String(length=64), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.job_id'], ),
    sa.PrimaryKeyConstraint('job_id', 'item_index')
    )


def downgrade() -> None:
    op.drop_table('job_items')
    op.drop_table('job_effects')
    op.drop_table('failed_jobs')
    op.drop_index('ix_jobs_undispatched', table_name='jobs')
    op.drop_index('ix_jobs_client_created', table_name='jobs')
    op.drop_table('jobs')
    op.drop_table('signing_keys')
    op.drop_index('ix_idempotency_expires', table_name='idempotency_keys')
    op.drop_table('idempotency_keys')
    op.drop_table('clients')
