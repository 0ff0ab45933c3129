"""The application factory: `flask --app app run` finds create_app here."""

from __future__ import annotations

import os
from collections.abc import Mapping

from flask import Flask

from forum.commands import register_commands
from forum.config import configure
from forum.extensions import csrf, db, limiter, login_manager, migrate
from forum.mail import init_mail
from forum.permissions import init_app as init_permissions
from forum.security import register_security
from forum.setup import prepare_database
from forum.views import register_blueprints, register_error_handlers


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    """Build the forum: defaults, environment, the given mapping, then everything else."""
    # Tests and tools may move the instance folder (mapping first, then the environment).
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("INSTANCE_PATH")
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True,
                static_folder="forum/static")
    configure(app, config)
    trust_proxies(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_security(app)
    register_commands(app)
    init_permissions(app)
    prepare_database(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions from forum.extensions to this app."""
    from forum.database import MIGRATIONS_DIR
    from forum.services.members import load_session_member

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to do that."
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_session_member)
    init_mail(app)


def trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies, take the client's address and scheme from their headers."""
    count = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
