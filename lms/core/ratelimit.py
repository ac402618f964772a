"""Per-address rate limits counted in the database, so every worker and server shares them.

Flask-Limiter counts through a storage backend of the `limits` library. Its default, memory://,
keeps one count per worker process: with 4 workers an address got 4 times its limit. This
backend, `database://` (the default RATELIMIT_STORAGE_URI), keeps fixed-window counters in the
`rate_limit_counters` table, incremented atomically with INSERT ... ON CONFLICT DO UPDATE on its
own connection and transaction, apart from the request's session and whatever it rolls back.
Redis is used instead when RATELIMIT_STORAGE_URI names it.
"""

import hashlib
import time
from datetime import UTC, datetime

import sqlalchemy as sa
from limits.storage import Storage
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db

KEY_LENGTH = 255


class RateLimitCounter(db.Model):
    """Requests counted for one limit and one address in the current fixed window."""

    __tablename__ = "rate_limit_counters"
    __table_args__ = (sa.CheckConstraint("hits >= 0", name="hits_not_negative"),)

    key: Mapped[str] = mapped_column(sa.String(KEY_LENGTH), primary_key=True)
    hits: Mapped[int]
    # The end of the window: the counter starts again from nothing after this.
    expires_at: Mapped[datetime] = mapped_column(index=True)


def _key(key: str) -> str:
    if len(key) <= KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _insert_for(dialect_name: str):
    return postgresql.insert if dialect_name == "postgresql" else sqlite.insert


class DatabaseStorage(Storage):
    """A `limits` storage keeping fixed-window counters in the application's database."""

    STORAGE_SCHEME = ["database"]

    @property
    def base_exceptions(self):
        return sa.exc.SQLAlchemyError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Count `amount` more for the key; a window that has ended starts again."""
        now = time.time()
        table = RateLimitCounter.__table__
        engine = db.engine
        insert = _insert_for(engine.dialect.name)(table).values(
            key=_key(key), hits=amount, expires_at=_at(now + expiry)
        )
        ended = table.c.expires_at <= _at(now)
        statement = insert.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "hits": sa.case((ended, insert.excluded.hits), else_=table.c.hits + amount),
                "expires_at": sa.case(
                    (ended, insert.excluded.expires_at), else_=table.c.expires_at
                ),
            },
        ).returning(table.c.hits)
        with engine.begin() as connection:
            return connection.execute(statement).scalar_one()

    def _row(self, key: str):
        table = RateLimitCounter.__table__
        with db.engine.connect() as connection:
            return connection.execute(
                sa.select(table.c.hits, table.c.expires_at).where(
                    table.c.key == _key(key), table.c.expires_at > _at(time.time())
                )
            ).first()

    def get(self, key: str) -> int:
        row = self._row(key)
        return row.hits if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row.expires_at.timestamp() if row else time.time()

    def check(self) -> bool:
        try:
            with db.engine.connect() as connection:
                connection.execute(sa.select(1))
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return connection.execute(sa.delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        table = RateLimitCounter.__table__
        with db.engine.begin() as connection:
            connection.execute(sa.delete(table).where(table.c.key == _key(key)))


def purge_rate_limit_counters(*, now: datetime) -> int:
    """Delete counters whose window has ended (run by run-jobs); flushes, does not commit."""
    result = db.session.execute(
        sa.delete(RateLimitCounter).where(RateLimitCounter.expires_at <= now)
    )
    return result.rowcount
