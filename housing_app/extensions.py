"""Flask extensions, created once here and bound to the app in create_app()."""

from flask import current_app, has_request_context, request
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic can alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# In session.info: the engine a read-only request's session reads on (housing_app.database).
READ_ONLY_BIND = "housing_app.read_only_bind"
# In app.extensions, on a database server only: the engine a GET or HEAD request's session reads on.
SESSION_READ_ENGINE = "housing_app.session_read_engine"


class AppSession(Session):
    """Flask-SQLAlchemy's session, reading on the engine a read-only request gave it, if any.

    A session made during a GET or HEAD request on a database server is given its read engine
    as it is made, so a request whose view never touches the ORM (a process page, the API's
    reads) makes no session at all."""

    def __init__(self, db, **kwargs):
        super().__init__(db, **kwargs)
        if has_request_context() and request.method in ("GET", "HEAD"):
            engine = current_app.extensions.get(SESSION_READ_ENGINE)
            if engine is not None:
                self.info[READ_ONLY_BIND] = engine

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        engine = self.info.get(READ_ONLY_BIND)
        if bind is None and engine is not None:
            return engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": AppSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
api = Api()
