"""Tables of the bridge's MySQL database (SQLAlchemy Core).

MySQL is the source of truth: clients, jobs, per-item outcomes, per-effect progress, business idempotency
and failed jobs. Alembic migrations under ``migrations/versions`` create exactly these tables; a test
checks that the migrated database matches this metadata.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.mysql import DATETIME as MYSQL_DATETIME

metadata = MetaData()

# Microsecond timestamps, always UTC (naive in the database, UTC by convention).
Timestamp = DateTime(timezone=False).with_variant(MYSQL_DATETIME(fsp=6), "mysql")

clients = Table(
    "clients",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("secret_hash", String(255), nullable=False, comment="argon2id hash of the OAuth2 client secret"),
    Column("hmac_secret_enc", Text, nullable=False, comment="current HMAC secret, Fernet-encrypted"),
    Column("hmac_secret_previous_enc", Text, nullable=True, comment="previous HMAC secret during rotation"),
    Column("scopes", String(255), nullable=False, comment="space-separated scopes"),
    Column("reads_per_minute", Integer, nullable=True, comment="NULL: the settings default"),
    Column("writes_per_minute", Integer, nullable=True, comment="NULL: the settings default"),
    Column("allowed_networks", JSON, nullable=True, comment="list of CIDRs; NULL: any source"),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("public_key_pem", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("retired_at", Timestamp, nullable=True, comment="no longer signs; still verifies until removed"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("job_id", String(36), primary_key=True, comment="UUID v4"),
    Column("client_id", String(64), ForeignKey("clients.client_id"), nullable=False),
    Column("kind", String(32), nullable=False, comment="update_product | import_products | update_order_status"),
    Column("status", String(24), nullable=False, comment="accepted | running | succeeded | failed | partially_succeeded"),
    Column("request_id", String(36), nullable=False),
    Column("batch_id", String(64), nullable=True, comment="imports only; unique per client"),
    Column("payload", JSON, nullable=False, comment="the validated request payload"),
    Column("fingerprint", String(64), nullable=False, comment="sha256 of method, path and canonical JSON payload"),
    Column("workflow_id", String(80), nullable=False, comment="derived from job_id: job-<job_id>"),
    Column("workflow_started_at", Timestamp, nullable=True, comment="NULL: the dispatcher still has to start it"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("result", JSON, nullable=True),
    Column("error_code", String(64), nullable=True),
    Column("error_message", Text, nullable=True),
    Column("error_retryable", Boolean, nullable=True),
    Column("redrive_of_job_id", String(36), nullable=True, comment="set when re-driven from a failed job"),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Column("started_at", Timestamp, nullable=True),
    Column("finished_at", Timestamp, nullable=True),
    UniqueConstraint("client_id", "batch_id", name="uq_jobs_client_batch"),
    Index("ix_jobs_undispatched", "workflow_started_at", "created_at"),
    Index("ix_jobs_client_created", "client_id", "created_at"),
)

job_items = Table(
    "job_items",
    metadata,
    Column("job_id", String(36), ForeignKey("jobs.job_id"), primary_key=True),
    Column("item_index", Integer, primary_key=True),
    Column("reference", String(64), nullable=False),
    Column("status", String(24), nullable=False, comment="pending | running | succeeded | failed"),
    Column("action", String(16), nullable=True, comment="created | updated"),
    Column("product_id", Integer, nullable=True),
    Column("error_code", String(64), nullable=True),
    Column("error_message", Text, nullable=True),
    Column("updated_at", Timestamp, nullable=False),
)

job_effects = Table(
    "job_effects",
    metadata,
    Column("job_id", String(36), ForeignKey("jobs.job_id"), primary_key=True),
    Column("effect_key", String(64), primary_key=True, comment="e.g. stock, price, seo, item:3:create, order_state"),
    Column("state", String(16), nullable=False, comment="planned | applied"),
    Column("data", JSON, nullable=False, comment="what was decided before acting (e.g. stock before/target)"),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("request_id", String(36), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("job_id", String(36), nullable=True, comment="NULL while the first request is still being accepted"),
    Column("created_at", Timestamp, nullable=False),
    Column("expires_at", Timestamp, nullable=False),
    Index("ix_idempotency_expires", "expires_at"),
)

failed_jobs = Table(
    "failed_jobs",
    metadata,
    Column("job_id", String(36), ForeignKey("jobs.job_id"), primary_key=True),
    Column("client_id", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("status", String(24), nullable=False, comment="failed | partially_succeeded"),
    Column("error_code", String(64), nullable=True),
    Column("error_message", Text, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("failed_at", Timestamp, nullable=False),
    Column("redriven_as_job_id", String(36), nullable=True),
)
