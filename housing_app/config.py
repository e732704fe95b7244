"""Configuration from environment variables.

Every variable is documented in README.md ("Configuration"). Development generates a secret key
once and keeps it under instance/; production refuses to start without SECRET_KEY.
"""

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_PATH = Path(os.environ.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))


class ConfigurationError(RuntimeError):
    """The app was asked to start with settings it cannot run safely with."""


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _float(name, default):
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def development_secret_key(instance_path: Path) -> str:
    """Generate a secret key once per checkout so sessions survive restarts."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


class Config:
    """Defaults. Values read from the environment are applied by environment_settings()."""

    ENVIRONMENT = "development"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # A pooled connection idle this long is pinged before use (housing_app/database.py).
    DATABASE_PING_AFTER_IDLE_SECONDS = 30.0

    # Session cookies: HttpOnly always; Secure in production (set SESSION_COOKIE_SECURE).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = 8 * 60 * 60
    # However busy, a session ends this long after its sign-in (housing_app.auth.officer_sessions).
    SESSION_MAX_LIFETIME = 12 * 60 * 60
    # The cookie keeping that lifetime running is signed again at most this often (sessions.py).
    SESSION_REFRESH_AFTER_SECONDS = 60
    # Cookies a worker keeps opened (their data and signing time), not checked again (sessions.py).
    SESSION_OPENED_COOKIES_KEPT = 1024

    WTF_CSRF_TIME_LIMIT = None  # officers keep a form open through a long visit
    # werkzeug's default (scrypt); tests use a cheaper method to stay fast.
    PASSWORD_HASH_METHOD = "scrypt"

    SIGN_IN_MAX_FAILURES = 5
    SIGN_IN_LOCK_MINUTES = 15

    MAX_CONTENT_LENGTH = 64 * 1024 * 1024  # room for a page of full-size photos (5 x MAX_PHOTO_BYTES)
    API_MAX_BODY_BYTES = 1024 * 1024
    # Each worker remembers a verified API token this long; a token revoked elsewhere (another
    # worker, the command line) may be accepted until then. 0 checks the database on every call.
    API_TOKEN_CACHE_SECONDS = 5.0

    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_DEFAULT_SENDER = "manage-a-tenancy@hackney.example"
    MAIL_TEAM_ADDRESS = "tenancy-team@hackney.example"
    # Mail delivery (services.mail): retries back off from 30 seconds up to an hour.
    MAIL_MAX_ATTEMPTS = 8
    MAIL_RETRY_BASE_SECONDS = 30
    MAIL_RETRY_MAX_SECONDS = 3600
    MAIL_SENDING_TIMEOUT_SECONDS = 600
    MAIL_TIMEOUT_SECONDS = 30
    MAIL_POLL_SECONDS = 10
    MAIL_BACKGROUND_WORKER = True
    MAIL_RQ_QUEUE = "mail"

    LOG_LEVEL = "INFO"

    # OpenAPI (flask-smorest). The docs page is served from our own static files.
    API_TITLE = "Manage a Tenancy APIs"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "v1/openapi.json"
    API_SPEC_OPTIONS = {
        "info": {
            "description": (
                "Tenures, contracts, activity history and the Manage a Tenancy process engine. "
                "Follows the Hackney API Standards: camelCase properties, RFC 3339 UTC dates, "
                "`results` lists with paging data and `errors` lists."
            )
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
            }
        },
        "security": [{"bearerAuth": []}],
    }


class DevelopmentConfig(Config):
    pass


class TestConfig(Config):
    ENVIRONMENT = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    LOG_LEVEL = "WARNING"
    MAIL_BACKGROUND_WORKER = False  # tests that need the worker start it themselves


class ProductionConfig(Config):
    ENVIRONMENT = "production"
    SESSION_COOKIE_SECURE = True


def environment_settings(instance_path: Path) -> dict:
    """Settings taken from environment variables (documented in README.md)."""
    env = os.environ
    settings = {
        "SQLALCHEMY_DATABASE_URI": env.get(
            "DATABASE_URL", f"sqlite:///{instance_path / 'housing_app.sqlite'}"
        ),
        "SECRET_KEY": env.get("SECRET_KEY"),
        "PERMANENT_SESSION_LIFETIME": _int("SESSION_LIFETIME_MINUTES", 8 * 60) * 60,
        "SESSION_MAX_LIFETIME": _int("SESSION_MAX_LIFETIME_MINUTES", 12 * 60) * 60,
        "SIGN_IN_MAX_FAILURES": _int("SIGN_IN_MAX_FAILURES", 5),
        "SIGN_IN_LOCK_MINUTES": _int("SIGN_IN_LOCK_MINUTES", 15),
        "UPLOAD_FOLDER": env.get("UPLOAD_FOLDER", str(instance_path / "uploads")),
        "MAX_CONTENT_LENGTH": _int("MAX_UPLOAD_BYTES", Config.MAX_CONTENT_LENGTH),
        "API_MAX_BODY_BYTES": _int("API_MAX_BODY_BYTES", 1024 * 1024),
        "API_TOKEN_CACHE_SECONDS": _float("API_TOKEN_CACHE_SECONDS", Config.API_TOKEN_CACHE_SECONDS),
        "MAIL_SERVER": env.get("MAIL_SERVER"),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS"),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL"),
        "MAIL_USERNAME": env.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", Config.MAIL_DEFAULT_SENDER),
        "MAIL_TEAM_ADDRESS": env.get("MAIL_TEAM_ADDRESS", Config.MAIL_TEAM_ADDRESS),
        "MAIL_OUTBOX_FOLDER": env.get("MAIL_OUTBOX_FOLDER", str(instance_path / "outbox")),
        "REDIS_URL": env.get("REDIS_URL"),
        "MAIL_MAX_ATTEMPTS": _int("MAIL_MAX_ATTEMPTS", Config.MAIL_MAX_ATTEMPTS),
        "MAIL_RETRY_BASE_SECONDS": _int("MAIL_RETRY_BASE_SECONDS", Config.MAIL_RETRY_BASE_SECONDS),
        "MAIL_POLL_SECONDS": _int("MAIL_POLL_SECONDS", Config.MAIL_POLL_SECONDS),
        "MAIL_RQ_QUEUE": env.get("MAIL_RQ_QUEUE", Config.MAIL_RQ_QUEUE),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
        "MAX_PHOTO_BYTES": _int("MAX_PHOTO_BYTES", 10 * 1024 * 1024),
    }
    if "SESSION_COOKIE_SECURE" in env:
        settings["SESSION_COOKIE_SECURE"] = _bool("SESSION_COOKIE_SECURE")
    return settings


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def load_config(config=None) -> dict:
    """Resolve `config` (None, a name, a class or a dict of overrides) into a settings dict."""
    overrides = {}
    if config is None:
        base = CONFIGS[os.environ.get("APP_ENV", "development")]
    elif isinstance(config, str):
        base = CONFIGS[config]
    elif isinstance(config, dict):
        base = CONFIGS[config.get("ENVIRONMENT", os.environ.get("APP_ENV", "development"))]
        overrides = config
    else:
        base = config
    settings = {key: getattr(base, key) for key in dir(base) if key.isupper()}
    if settings["ENVIRONMENT"] != "test":
        # Tests never pick up a developer's DATABASE_URL or mail server by accident.
        settings.update({k: v for k, v in environment_settings(INSTANCE_PATH).items() if v is not None})
    else:
        for key, value in environment_settings(INSTANCE_PATH).items():
            settings.setdefault(key, value)
        settings.update(SQLALCHEMY_DATABASE_URI="sqlite://", MAIL_SERVER=None, REDIS_URL=None)
    settings["REMEMBER_COOKIE_SECURE"] = settings["SESSION_COOKIE_SECURE"]
    settings.update(overrides)
    if not settings.get("SECRET_KEY"):
        if settings["ENVIRONMENT"] == "production":
            raise ConfigurationError(
                "SECRET_KEY is not set. Production refuses to start without it: "
                "set SECRET_KEY to a long random value."
            )
        settings["SECRET_KEY"] = development_secret_key(INSTANCE_PATH)
    return settings
