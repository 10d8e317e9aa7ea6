"""Settings read from the environment, with defaults that suit `make run`."""

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _minutes(name: str, default: int) -> timedelta:
    return timedelta(minutes=int(os.environ.get(name, default)))


def database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{Path(instance_path) / 'cso_field.sqlite'}"
    # psycopg 3 is the driver we ship; accept the plain URLs that hosts hand out.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def load_config(instance_path: str) -> dict:
    """The app's configuration; every value can be overridden by the environment."""
    env = os.environ.get("CSO_ENV", "production")
    return {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _development_secret(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # How long a SQLite writer waits for the write lock (cso_field/database.py). Write
        # transactions last milliseconds; this covers a queue of them under a burst, and stays
        # well under the server's request time-out (gunicorn's --timeout, 30 s by default).
        "SQLITE_BUSY_TIMEOUT_SECONDS": float(os.environ.get("SQLITE_BUSY_TIMEOUT_SECONDS", 15)),
        "SESSION_COOKIE_NAME": "cso_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env != "development",
        "SESSION_IDLE_TIMEOUT": _minutes("SESSION_IDLE_MINUTES", 30),
        "SESSION_ABSOLUTE_TIMEOUT": _minutes("SESSION_ABSOLUTE_MINUTES", 12 * 60),
        "LOCKOUT_THRESHOLD": int(os.environ.get("LOCKOUT_THRESHOLD", 5)),
        "LOCKOUT_WINDOW": _minutes("LOCKOUT_WINDOW_MINUTES", 15),
        # How long a lock lasts unless a Senior CSO or admin releases it sooner (CJIS AC-7).
        "LOCKOUT_PERIOD": _minutes("LOCKOUT_MINUTES", 10),
        "ADDRESS_THROTTLE_LIMIT": int(os.environ.get("ADDRESS_THROTTLE_LIMIT", 20)),
        # Roles that must sign in with a second factor until an admin sets the policy in the
        # app (Accounts > Second factor); CSOs follow from the date the admin sets there.
        "SECOND_FACTOR_ROLES": [
            role.strip()
            for role in os.environ.get("SECOND_FACTOR_ROLES", "senior_cso,admin").split(",")
            if role.strip()
        ],
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        "WTF_I18N_ENABLED": True,
        # A whole request; photos are the only large part (see PHOTO_* below).
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 64 * 1024 * 1024)),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("CSO_TIMEZONE", "America/Los_Angeles"),
        # Empty: the default name, translated in every resident language (cso_field/i18n.py).
        "DEPARTMENT_NAME": os.environ.get("CSO_DEPARTMENT_NAME", ""),
        # The name in one language: CSO_DEPARTMENT_NAME_ES, _VI, _KM, _HMN, _TL, _PA, _EN.
        "DEPARTMENT_NAMES": {
            name.removeprefix("CSO_DEPARTMENT_NAME_").lower(): value
            for name, value in os.environ.items()
            if name.startswith("CSO_DEPARTMENT_NAME_") and value.strip()
        },
        "DEPARTMENT_PHONE": os.environ.get("CSO_DEPARTMENT_PHONE", "(209) 937-8377"),
        "DISPATCH_PHONE": os.environ.get("CSO_DISPATCH_PHONE", "(209) 937-8377"),
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", 0)),
        # Only requests from these addresses or networks may set X-Forwarded-* headers.
        "FORWARDED_ALLOW_IPS": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        "AUDIT_PAGE_SIZE": 50,
        # Location and geocoding (cso_field/geo.py, cso_field/geocoding.py).
        "LOCATION_ACCURACY_WARNING_M": float(os.environ.get("LOCATION_ACCURACY_WARNING_M", 100)),
        "GEOCODER": os.environ.get("GEOCODER", "none"),
        "GEOCODER_URL": os.environ.get("GEOCODER_URL", ""),
        "GEOCODER_USER_AGENT": os.environ.get("GEOCODER_USER_AGENT", "cso-field/0.1"),
        "GEOCODER_MIN_DELAY_SECONDS": float(os.environ.get("GEOCODER_MIN_DELAY_SECONDS", 1.0)),
        "GEOCODER_TIMEOUT_SECONDS": float(os.environ.get("GEOCODER_TIMEOUT_SECONDS", 3.0)),
        # Photos (cso_field/photos/, cso_field/storage.py).
        "PHOTO_STORAGE_DIR": os.environ.get(
            "PHOTO_STORAGE_DIR", str(Path(instance_path) / "photos")
        ),
        # s3://bucket/prefix: photos in an S3-compatible bucket that several servers share.
        # Keys, session token and retries come from boto3's own AWS_* variables.
        "PHOTO_STORAGE_URL": os.environ.get("PHOTO_STORAGE_URL", "").strip(),
        # Empty: AWS itself, or boto3's AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL.
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL", "").strip(),
        # Empty: boto3's AWS_DEFAULT_REGION.
        "S3_REGION": os.environ.get("AWS_REGION", "").strip(),
        # "path" (bucket in the path, as most MinIO and Ceph setups need) or "virtual";
        # empty: boto3 decides.
        "S3_ADDRESSING_STYLE": os.environ.get("S3_ADDRESSING_STYLE", "").strip(),
        "PHOTO_MAX_FILE_BYTES": int(os.environ.get("PHOTO_MAX_FILE_BYTES", 15 * 1024 * 1024)),
        "PHOTO_MAX_FILES": int(os.environ.get("PHOTO_MAX_FILES", 8)),
        "PHOTO_MAX_PIXELS": int(os.environ.get("PHOTO_MAX_PIXELS", 50_000_000)),
        # Mail (cso_field/mail.py): queued in the database, sent by `flask mail send`.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", 25)),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "false").lower() == "true",
        "MAIL_USE_SSL": os.environ.get("MAIL_USE_SSL", "false").lower() == "true",
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "cso-field@localhost"),
        "MAIL_TIMEOUT_SECONDS": float(os.environ.get("MAIL_TIMEOUT_SECONDS", 10)),
        "MAIL_MAX_ATTEMPTS": int(os.environ.get("MAIL_MAX_ATTEMPTS", 8)),
        # /readyz fails when a message has been due this long without being sent.
        "MAIL_STUCK_MINUTES": int(os.environ.get("MAIL_STUCK_MINUTES", 30)),
        # Who may read /metrics (addresses or networks); everyone else gets a 404.
        "METRICS_ALLOW_IPS": os.environ.get("METRICS_ALLOW_IPS", "127.0.0.1,::1"),
        # At most this many messages to one address in any 24 hours (see README, Mail).
        "MAIL_PER_RECIPIENT_PER_DAY": int(os.environ.get("MAIL_PER_RECIPIENT_PER_DAY", 5)),
        # Special checks (cso_field/special_checks/).
        # Where residents reach the app; the private link in receipts and emails starts with it.
        # Empty outside production: the link is built from the request the resident made.
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "").strip(),
        "CHECK_REQUESTS_PER_ADDRESS_PER_HOUR": int(
            os.environ.get("CHECK_REQUESTS_PER_ADDRESS_PER_HOUR", 5)
        ),
        # Neighborhood Watch (cso_field/neighborhood_watch/): online sign-ups per address.
        "WATCH_SIGNUPS_PER_ADDRESS_PER_HOUR": int(
            os.environ.get("WATCH_SIGNUPS_PER_ADDRESS_PER_HOUR", 5)
        ),
        "MAP_TILE_URL": os.environ.get(
            "MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
        ),
        "MAP_TILE_ATTRIBUTION": os.environ.get(
            "MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors"
        ),
        "SEND_FILE_MAX_AGE_DEFAULT": 365 * 24 * 3600,
    }


def check_production_config(config: dict) -> None:
    """Refuse to start a production server that could not give residents a working link."""
    if config.get("ENV_NAME") != "production" or config.get("TESTING"):
        return
    if not config.get("PUBLIC_BASE_URL"):
        raise RuntimeError(
            "PUBLIC_BASE_URL is not set. In production (CSO_ENV=production) set it to the "
            "address residents use, e.g. PUBLIC_BASE_URL=https://cso.example.org, so that the "
            "private link in their receipts and emails works."
        )


def _development_secret(instance_path: str) -> str:
    """A random key kept in instance/ so that `make run` works without setup.

    Production deployments set SECRET_KEY; several workers need the same one.
    """
    key_file = Path(instance_path) / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
