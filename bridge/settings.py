"""The one typed settings object.

Read once from the environment (``BRIDGE_*`` variables) by the CLI and passed down explicitly. Every field
has a documented default that works for local development on this machine; production deployments override
them. The README's configuration table lists the same fields.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import msgspec

ENV_PREFIX = "BRIDGE_"


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    # --- infrastructure -------------------------------------------------------------------------------------
    mysql_url: str = "mysql+pymysql://root@127.0.0.1:3306/bridge"
    """SQLAlchemy URL of the bridge's own MySQL/MariaDB database (the source of truth)."""
    mysql_pool_size: int = 20
    """MySQL connections each API or worker process keeps open (no overflow: extra callers wait)."""
    redis_url: str = "redis://127.0.0.1:6379/0"
    """Redis: HTTP idempotency cache, rate-limit counters, read-replay markers. Short-lived state only."""
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "prestashop-bridge"

    # --- HTTP API -------------------------------------------------------------------------------------------
    api_host: str = "127.0.0.1"
    api_port: int = 8080
    metrics_enabled: bool = True
    """Serve ``GET /metrics`` (Prometheus text). Bind the API privately or disable it where it must not leak."""

    # --- OAuth2 / JWT ---------------------------------------------------------------------------------------
    jwt_issuer: str = "prestashop-bridge"
    jwt_audience: str = "prestashop-bridge-api"
    token_ttl_seconds: int = 3600
    jwt_leeway_seconds: int = 5
    signing_keys_dir: str = "var/keys"
    """Directory of RS256 private keys (``<kid>.pem``). Every key in it is active for verification; the newest
    signs new tokens. ``bridge keys generate`` writes one."""
    signing_key_files: str = ""
    """Extra RS256 private-key PEM files, comma-separated (kid = file name without ``.pem``); added to the keys
    found in ``signing_keys_dir``."""
    signing_kid: str = ""
    """The kid that signs new tokens. Empty: the loaded key whose kid sorts last (the newest generated one).
    Pin it during a key rotation (docs/security.md)."""
    client_cache_seconds: float = 5.0
    """How long an API process reuses a client record (scopes, limits, decrypted HMAC secrets) before re-reading
    MySQL: a disabled client or rotated secret takes effect within this time."""

    # --- client secrets -------------------------------------------------------------------------------------
    secrets_encryption_key: str = ""
    """Fernet key (urlsafe base64, 32 bytes) encrypting HMAC secrets at rest. Required by ``bridge api``;
    ``bridge dev`` generates one under ``data_dir`` when empty."""

    # --- request signing and transport ----------------------------------------------------------------------
    signature_window_seconds: int = 30
    max_body_bytes: int = 10 * 1024 * 1024
    gzip_required_above_bytes: int = 32 * 1024
    gzip_response_min_bytes: int = 1024

    # --- rate limits (per client; overridable per client in the registry) ------------------------------------
    rate_limit_reads_per_minute: int = 100
    rate_limit_writes_per_minute: int = 20
    token_failures_per_minute: int = 30
    """Failed ``POST /oauth/token`` attempts per source address and minute; past it, further attempts are refused
    (429) before the deliberately slow argon2 verification runs. Successful requests are not counted."""

    # --- jobs -----------------------------------------------------------------------------------------------
    idempotency_ttl_seconds: int = 24 * 3600
    dispatcher_interval_seconds: float = 1.0
    """How often the dispatcher looks for accepted jobs that have no workflow yet."""
    import_item_parallelism: int = 20
    """How many items of one import batch talk to the store at once (measured: one 50-item batch with 20 ms store
    latency takes about 1.2 s at 20, 1.5 s at 10)."""

    # --- PrestaShop -----------------------------------------------------------------------------------------
    prestashop_url: str = ""
    """Base URL of the store (the webservice lives under ``/api``). Empty: ``bridge dev`` runs the simulator."""
    prestashop_key: str = ""
    """32-character webservice key."""
    prestashop_shop_id: int = 1
    prestashop_connect_timeout_seconds: float = 3.0
    prestashop_read_timeout_seconds: float = 10.0

    # --- local development ----------------------------------------------------------------------------------
    data_dir: str = "var"
    """Where ``bridge dev`` keeps generated keys, the simulator's store and private service data."""
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from ``BRIDGE_<FIELD>`` variables (case-insensitive field names), then ``overrides``.

        Values are converted to each field's type (``"8080"`` → 8080, ``"false"`` → False); a value that
        does not convert raises ``msgspec.ValidationError`` naming the variable.
        """
        environ = os.environ if environ is None else environ
        raw: dict[str, object] = {}
        for name in cls.__struct_fields__:
            key = ENV_PREFIX + name.upper()
            if key in environ:
                raw[name] = environ[key]
        raw.update(overrides)
        try:
            return msgspec.convert(raw, cls, strict=False)
        except msgspec.ValidationError as exc:  # name the environment variable, not the field
            raise msgspec.ValidationError(f"invalid configuration: {exc} (variables use the {ENV_PREFIX} prefix)") from None

    def replace(self, **changes: object) -> Settings:
        return msgspec.structs.replace(self, **changes)
