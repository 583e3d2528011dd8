"""The client registry: who may call the bridge, with which secrets, scopes, limits and networks.

Rows live in MySQL's ``clients`` table (see :mod:`bridge.db.schema`):

* the OAuth2 client secret is stored only as an argon2id hash (a slow KDF, so a leaked table does not leak
  usable secrets);
* the HMAC secret(s) are stored Fernet-encrypted (:class:`~bridge.clients.secret_cipher.SecretCipher`), because
  the server must recompute signatures. During a rotation a client holds two: the new one and the previous;
  either verifies until ``finish_hmac_rotation``;
* scopes are space-separated; ``reads_per_minute``/``writes_per_minute`` NULL means the settings default;
  ``allowed_networks`` NULL means any source address.

The methods are synchronous (SQLAlchemy Core over PyMySQL); async callers run them in a worker thread.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, insert, select, update

from bridge.auth import ALL_SCOPES
from bridge.clients.secret_cipher import SecretCipher
from bridge.db.schema import clients
from bridge.errors import BadRequest, NotFound

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Prefixes make a leaked value recognisable (and greppable by secret scanners) without revealing anything.
CLIENT_ID_PREFIX = "cl_"
CLIENT_SECRET_PREFIX = "cs_"
HMAC_SECRET_PREFIX = "hs_"


@dataclass(frozen=True)
class CreatedClient:
    """What ``create`` returns: the only moment the two secrets exist in clear outside the caller."""

    client_id: str
    client_secret: str
    hmac_secret: str


@dataclass(frozen=True)
class ClientRecord:
    """One client as the gate needs it, with its HMAC secrets decrypted (newest first)."""

    client_id: str
    name: str
    secret_hash: str
    hmac_secrets: tuple[bytes, ...]
    scopes: frozenset[str]
    reads_per_minute: int | None
    writes_per_minute: int | None
    allowed_networks: tuple[IpNetwork, ...] | None
    active: bool

    def allows_address(self, address: str | None) -> bool:
        """True when no network restriction is set, or ``address`` lies in one of the allowed networks."""
        if self.allowed_networks is None:
            return True
        if address is None:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in network for network in self.allowed_networks)


@dataclass(frozen=True)
class ClientSummary:
    """One row of ``bridge clients list``: no secret material at all."""

    client_id: str
    name: str
    scopes: str
    reads_per_minute: int | None
    writes_per_minute: int | None
    allowed_networks: list[str] | None
    active: bool
    rotating_hmac_secret: bool
    created_at: datetime
    updated_at: datetime


def parse_scopes(scopes: str | Iterable[str]) -> frozenset[str]:
    """Scopes from a space/comma separated string or an iterable; unknown scopes are a :class:`BadRequest`."""
    items = scopes.replace(",", " ").split() if isinstance(scopes, str) else list(scopes)
    parsed = frozenset(items)
    unknown = parsed - ALL_SCOPES
    if unknown:
        raise BadRequest(f"unknown scope(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(ALL_SCOPES))}",
                         code="invalid_scope")
    if not parsed:
        raise BadRequest("a client needs at least one scope", code="invalid_scope")
    return parsed


def parse_networks(networks: Iterable[str] | None) -> tuple[IpNetwork, ...] | None:
    """CIDRs (``10.0.0.0/8``, ``2001:db8::/32``, or a bare address) → networks; None/empty → no restriction."""
    if networks is None:
        return None
    parsed = []
    for raw in networks:
        raw = raw.strip()
        if not raw:
            continue
        try:
            parsed.append(ipaddress.ip_network(raw, strict=False))
        except ValueError:
            raise BadRequest(f"not a network in CIDR notation: {raw!r}", code="invalid_network") from None
    return tuple(parsed) or None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class ClientRegistry:
    """Create, read, disable and rotate clients in MySQL."""

    def __init__(self, engine: Engine, cipher: SecretCipher, *, hasher: PasswordHasher | None = None) -> None:
        self._engine = engine
        self._cipher = cipher
        # argon2id with the library's RFC 9106 "low memory" defaults (~50 ms per verification here): slow
        # enough to make offline guessing expensive, fast enough for a token endpoint called once an hour.
        self._hasher = hasher or PasswordHasher()
        # Verified against when the client id is unknown, so "no such client" and "wrong secret" take the same
        # time and the token endpoint does not reveal which client ids exist.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    # --- writes -------------------------------------------------------------------------------------------
    def create(
        self,
        *,
        name: str,
        scopes: str | Iterable[str] = ALL_SCOPES,
        reads_per_minute: int | None = None,
        writes_per_minute: int | None = None,
        allowed_networks: Sequence[str] | None = None,
    ) -> CreatedClient:
        """Register a client; returns its id and both secrets in clear (shown once, never stored in clear)."""
        if not name.strip():
            raise BadRequest("a client needs a name", code="invalid_name")
        parsed_scopes = parse_scopes(scopes)
        networks = parse_networks(allowed_networks)
        for label, limit in (("reads_per_minute", reads_per_minute), ("writes_per_minute", writes_per_minute)):
            if limit is not None and limit < 1:
                raise BadRequest(f"{label} must be at least 1", code="invalid_limit")
        created = CreatedClient(
            client_id=CLIENT_ID_PREFIX + secrets.token_hex(12),
            client_secret=CLIENT_SECRET_PREFIX + secrets.token_urlsafe(32),
            hmac_secret=HMAC_SECRET_PREFIX + secrets.token_urlsafe(32),
        )
        now = _now()
        with self._engine.begin() as conn:
            conn.execute(
                insert(clients).values(
                    client_id=created.client_id,
                    name=name.strip(),
                    secret_hash=self._hasher.hash(created.client_secret),
                    hmac_secret_enc=self._cipher.encrypt(created.hmac_secret),
                    hmac_secret_previous_enc=None,
                    scopes=" ".join(sorted(parsed_scopes)),
                    reads_per_minute=reads_per_minute,
                    writes_per_minute=writes_per_minute,
                    allowed_networks=[str(n) for n in networks] if networks else None,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
        return created

    def set_active(self, client_id: str, active: bool) -> None:
        self._update(client_id, active=active)

    def disable(self, client_id: str) -> None:
        """Disable a client: its tokens stop working within the gate's client-cache lifetime (seconds)."""
        self.set_active(client_id, False)

    def rotate_hmac_secret(self, client_id: str) -> str:
        """Make a new HMAC secret current; the old one keeps verifying until :meth:`finish_hmac_rotation`.

        Rotating again while a rotation is open drops the oldest secret (a client holds at most two).
        """
        new_secret = HMAC_SECRET_PREFIX + secrets.token_urlsafe(32)
        with self._engine.begin() as conn:
            row = conn.execute(
                select(clients.c.hmac_secret_enc).where(clients.c.client_id == client_id).with_for_update()
            ).first()
            if row is None:
                raise NotFound(f"no client {client_id}", code="client_not_found")
            conn.execute(
                update(clients)
                .where(clients.c.client_id == client_id)
                .values(
                    hmac_secret_enc=self._cipher.encrypt(new_secret),
                    hmac_secret_previous_enc=row.hmac_secret_enc,
                    updated_at=_now(),
                )
            )
        return new_secret

    def finish_hmac_rotation(self, client_id: str) -> None:
        """Forget the previous HMAC secret: only the current one verifies from now on."""
        self._update(client_id, hmac_secret_previous_enc=None)

    def rotate_client_secret(self, client_id: str) -> str:
        """Replace the OAuth2 client secret (only one is ever valid; tokens already issued stay valid)."""
        new_secret = CLIENT_SECRET_PREFIX + secrets.token_urlsafe(32)
        self._update(client_id, secret_hash=self._hasher.hash(new_secret))
        return new_secret

    def _update(self, client_id: str, **values: object) -> None:
        with self._engine.begin() as conn:
            result = conn.execute(
                update(clients).where(clients.c.client_id == client_id).values(updated_at=_now(), **values)
            )
            if result.rowcount == 0:
                raise NotFound(f"no client {client_id}", code="client_not_found")

    # --- reads --------------------------------------------------------------------------------------------
    def get(self, client_id: str) -> ClientRecord | None:
        """The client with decrypted HMAC secrets, or None when the id is unknown (active or not)."""
        with self._engine.connect() as conn:
            row = conn.execute(select(clients).where(clients.c.client_id == client_id)).first()
        if row is None:
            return None
        hmac_secrets = [self._cipher.decrypt(row.hmac_secret_enc).encode("utf-8")]
        if row.hmac_secret_previous_enc:
            hmac_secrets.append(self._cipher.decrypt(row.hmac_secret_previous_enc).encode("utf-8"))
        return ClientRecord(
            client_id=row.client_id,
            name=row.name,
            secret_hash=row.secret_hash,
            hmac_secrets=tuple(hmac_secrets),
            scopes=frozenset(row.scopes.split()),
            reads_per_minute=row.reads_per_minute,
            writes_per_minute=row.writes_per_minute,
            allowed_networks=parse_networks(row.allowed_networks),
            active=bool(row.active),
        )

    def list_all(self) -> list[ClientSummary]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(clients).order_by(clients.c.created_at)).all()
        return [
            ClientSummary(
                client_id=row.client_id,
                name=row.name,
                scopes=row.scopes,
                reads_per_minute=row.reads_per_minute,
                writes_per_minute=row.writes_per_minute,
                allowed_networks=row.allowed_networks,
                active=bool(row.active),
                rotating_hmac_secret=row.hmac_secret_previous_enc is not None,
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
            for row in rows
        ]

    # --- authentication -----------------------------------------------------------------------------------
    def authenticate(self, client_id: str, client_secret: str) -> ClientRecord | None:
        """The active client whose secret this is, or None. Takes the same time whether or not the id exists."""
        record = self.get(client_id) if client_id else None
        try:
            self._hasher.verify(record.secret_hash if record else self._dummy_hash, client_secret)
        except (VerificationError, InvalidHashError):
            return None
        if record is None or not record.active:
            return None
        return record
