import contextlib
import os

import pytest
import redis

from tests.submission.smtp import SmtpServer


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@contextlib.contextmanager
def app_settings(app, **settings):
    """Change app settings for the length of a block and put them back afterwards."""
    missing = object()
    previous = {key: app.config.get(key, missing) for key in settings}
    app.config.update(settings)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is missing:
                app.config.pop(key, None)
            else:
                app.config[key] = value


@pytest.fixture
def smtp_settings(app, smtp_server):
    """Send mail to the loopback SMTP server."""
    with app_settings(app, MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port, MAIL_TIMEOUT_SECONDS=5):
        yield smtp_server


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is needed in CI but {REDIS_URL} is unreachable: {exc}")
        pytest.skip(f"Redis is not running at {REDIS_URL}")
    return REDIS_URL


@pytest.fixture(autouse=True)
def empty_outbox_folder(app, tmp_path):
    """Each test writes its .eml files to a folder of its own."""
    with app_settings(app, MAIL_OUTBOX_FOLDER=str(tmp_path / "outbox")):
        yield tmp_path / "outbox"
