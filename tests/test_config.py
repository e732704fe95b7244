import pytest

from housing_app import create_app
from housing_app.config import ConfigurationError, development_secret_key, load_config


def test_factory_takes_overrides(app):
    assert app.config["ENVIRONMENT"] == "test"
    assert app.testing
    assert create_app({"ENVIRONMENT": "test", "API_MAX_BODY_BYTES": 10}).config["API_MAX_BODY_BYTES"] == 10


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app("production")


def test_production_starts_with_secret_key_and_secure_cookies(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_development_secret_key_is_generated_once_and_kept(tmp_path):
    first = development_secret_key(tmp_path)
    assert len(first) == 64
    assert development_secret_key(tmp_path) == first
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


def test_environment_variables_configure_the_app(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/elsewhere.sqlite")
    monkeypatch.setenv("MAIL_SERVER", "127.0.0.1")
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("UPLOAD_FOLDER", "/tmp/uploads-here")
    settings = load_config("development")
    assert settings["SQLALCHEMY_DATABASE_URI"] == "sqlite:////tmp/elsewhere.sqlite"
    assert settings["MAIL_SERVER"] == "127.0.0.1"
    assert settings["MAIL_PORT"] == 2525
    assert settings["UPLOAD_FOLDER"] == "/tmp/uploads-here"


def test_tests_never_use_a_developers_database(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://someone@example/production")
    assert load_config("test")["SQLALCHEMY_DATABASE_URI"] == "sqlite://"
