"""Settings from the environment.

Policy values the partnership edits (charges, reminder timings, retention) live in the database,
not here; this file holds only what differs between deployments.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

WEAK_SECRET_KEYS = {"", "dev", "development", "secret", "change-me", "changeme", "please-change"}


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _development_secret_key(instance_path: Path) -> str:
    """A random key kept under instance/ so development sign-ins survive a restart."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def from_environment(instance_path: Path) -> dict:
    """Build the configuration mapping from environment variables."""
    environment = os.environ.get("LMS_ENV", "production").strip().lower()
    development = environment == "development"
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'lms.sqlite3'}"
    secret_key = os.environ.get("SECRET_KEY", "")
    if not secret_key and development:
        secret_key = _development_secret_key(instance_path)
    return {
        "LMS_ENV": environment,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PARTNERSHIP_NAME": os.environ.get("PARTNERSHIP_NAME", "Safeguarding Children Partnership"),
        "SERVER_NAME": os.environ.get("SERVER_NAME") or None,
        # Where the service is reached, for links in messages sent by run-jobs.
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000" if development else ""),
        "PREFERRED_URL_SCHEME": "http" if development else "https",
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", default=True),
        "MAIL_USE_SSL": _flag("MAIL_USE_SSL"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "training@partnership.invalid"),
        "MAIL_OUTBOX_DIR": os.environ.get("MAIL_OUTBOX_DIR", str(instance_path / "outbox")),
        # The private keys credentials are signed with (never in the database): one PEM file
        # per key, readable by the service only. Every server needs the same directory.
        "SIGNING_KEYS_DIR": os.environ.get("SIGNING_KEYS_DIR", str(instance_path / "keys")),
        # Where ZIPs of certificates built by run-jobs wait to be downloaded (shared storage
        # when there are several servers).
        "CERTIFICATE_EXPORTS_DIR": os.environ.get(
            "CERTIFICATE_EXPORTS_DIR", str(instance_path / "exports")
        ),
        # Per-address limits are counted where every worker sees them: the database, unless
        # this names Redis (redis://...).
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or "database://",
        "PROXY_FIX_X_FOR": int(os.environ.get("PROXY_FIX_X_FOR", "0")),
        "SESSION_COOKIE_SECURE": not development,
        "REMEMBER_COOKIE_SECURE": not development,
    }


class Defaults:
    """Values that hold everywhere unless a deployment or a test overrides them."""

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
    PASSWORD_RESET_VALID_FOR = timedelta(hours=1)
    # A self-registered account whose email is not confirmed by then is removed by run-jobs.
    UNCONFIRMED_ACCOUNTS_KEPT_FOR = timedelta(days=7)
    # argon2id cost; tests lower it so the suite stays fast.
    PASSWORD_HASH_TIME_COST = 3
    PASSWORD_HASH_MEMORY_COST = 65536
    # Slow guessing: this many wrong passwords for one account within the window, then 429.
    SIGN_IN_MAX_FAILURES = 10
    SIGN_IN_FAILURE_WINDOW = timedelta(minutes=5)
    # Per address, across accounts (flask-limiter syntax).
    SIGN_IN_RATE_LIMIT = "60 per minute"
    PASSWORD_RESET_RATE_LIMIT = "20 per hour"
    REGISTRATION_RATE_LIMIT = "20 per hour"
    MAIL_MAX_ATTEMPTS_BACKOFF = timedelta(hours=6)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024
    USERS_PER_PAGE = 50
    # The public verify page, per address: guessing codes is slowed (flask-limiter syntax).
    VERIFY_RATE_LIMIT = "30 per minute; 300 per day"
    # A bulk download of more certificates than this is built in the background by run-jobs.
    CERTIFICATES_INLINE_ZIP = 100
    # A ZIP built in the background can be downloaded for this long.
    CERTIFICATE_EXPORTS_KEPT_FOR = timedelta(days=7)
