"""The application factory."""

from __future__ import annotations

import os
import sqlite3

from flask import Flask, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from app.common.urls import external_url, trusted_hosts, valid_base_url
from app.extensions import babel, csrf, db, limiter, login_manager, migrate
from config import CONFIGS, DEFAULT_SECRET, INSTANCE_DIR, Config

# The largest value of an Integer column (a 32-bit signed int on PostgreSQL).
MAX_ID = 2**31 - 1
BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config_class: type[Config] | None = None, **overrides) -> Flask:
    if config_class is None:
        config_class = CONFIGS[os.environ.get("GONGCHUANG_CONFIG", "development")]
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=os.path.join(BASE_DIR, "templates"),
        static_folder=os.path.join(BASE_DIR, "static"),
    )
    app.config.from_object(config_class)
    app.config.update(overrides)
    check_production_secret(app, config_class)
    register_proxy_and_hosts(app, config_class)
    os.makedirs(app.instance_path, exist_ok=True)
    app.url_map.converters["int"] = IdConverter
    register_extensions(app)
    register_i18n(app)
    register_blueprints(app)
    register_hooks()
    register_errorhandlers(app)
    register_security(app)
    register_commands(app)
    register_jobs(app)
    return app


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a number larger than any id an Integer column can hold
    matches no route, so it is a plain 404 instead of an overflow in the database driver
    (SQLite refuses integers beyond 64 bits with a 500)."""

    def __init__(self, map, *args, max: int | None = MAX_ID, **kwargs) -> None:
        super().__init__(map, *args, max=max, **kwargs)


def check_production_secret(app: Flask, config_class: type[Config]) -> None:
    from config import ProductionConfig

    if issubclass(config_class, ProductionConfig):
        secret = app.config.get("SECRET_KEY")
        if not secret or secret == DEFAULT_SECRET or len(secret) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production."
            )


def register_proxy_and_hosts(app: Flask, config_class: type[Config]) -> None:
    """Behind `TRUSTED_PROXIES` proxies, the client's address and scheme come from their
    X-Forwarded-For/-Proto headers (the Host header stays ours to check); requests may name
    only `TRUSTED_HOSTS`; production needs `APP_BASE_URL`, which every absolute address
    we hand out is built from."""
    from config import ProductionConfig

    production = issubclass(config_class, ProductionConfig)
    base = app.config.get("APP_BASE_URL") or ""
    if production and not valid_base_url(base):
        raise RuntimeError(
            "APP_BASE_URL must be set to the site's public address (https://host) in production."
        )
    if app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = trusted_hosts(base, production=production)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


@event.listens_for(Engine, "connect")
def configure_sqlite(dbapi_connection, connection_record) -> None:
    """WAL for concurrent readers, foreign keys, which SQLite leaves off by default, and
    temporary sort space in memory. (The busy timeout is a connect argument, see
    `lock_wait_options`.)"""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # Sorts and groupings of the nightly jobs in memory, not in temporary files.
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()


def lock_wait_options(config: dict) -> dict:
    """The engine options with how long a write waits for a lock (SQLITE_BUSY_TIMEOUT_MS,
    POSTGRES_LOCK_TIMEOUT_MS), set on each new connection; past it the request is "busy"."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    url = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
    if url.startswith("sqlite"):
        connect_args.setdefault("timeout", config["SQLITE_BUSY_TIMEOUT_MS"] / 1000)
    elif url.startswith("postgresql") and config["POSTGRES_LOCK_TIMEOUT_MS"]:
        lock_timeout = f"-c lock_timeout={int(config['POSTGRES_LOCK_TIMEOUT_MS'])}"
        connect_args["options"] = f"{connect_args.get('options', '')} {lock_timeout}".strip()
    options["connect_args"] = connect_args
    return options


def register_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (every feature's models, for Alembic and relationships)
    from app.accounts.models import User
    from app.common import connections

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = lock_wait_options(app.config)
    db.init_app(app)
    connections.install(app)
    migrate.init_app(app, db, directory=os.path.join(BASE_DIR, "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "warning"
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please log in to see this page.")

    @login_manager.user_loader
    def load_user(login_token: str) -> User | None:
        """The person of a live login session (the session or remember cookie's token)."""
        from app.accounts.sessions import user_of_token

        return user_of_token(login_token, with_counts=_page_request())


def _page_request() -> bool:
    """A request that likely answers with a page showing the bell's count: a GET outside
    the API and static files (a POST answers with a redirect, or counts on its own)."""
    return (
        has_request_context()
        and request.method == "GET"
        and not request.path.startswith(("/api/", "/static/"))
    )


LOCALE_CODES = ("zh", "en")


def select_locale() -> str:
    """The person's choice, else this browser's, else Chinese. Outside a request (jobs,
    CLI) messages are Chinese."""
    if not has_request_context():
        return "zh"
    if request.path.startswith("/api/"):
        # API clients choose with Accept-Language, not with a login session.
        return request.accept_languages.best_match(LOCALE_CODES) or "zh"
    if current_user and current_user.is_authenticated:
        return current_user.locale
    locale = session.get("locale")
    if locale in LOCALE_CODES:
        return locale
    return "zh"


def register_i18n(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=lambda: app.config["TIMEZONE"],
        default_translation_directories=os.path.join(BASE_DIR, "app", "translations"),
    )
    from flask_babel import format_datetime, get_locale

    from app.common import page_chrome, page_gettext
    from app.common.time import to_local

    page_gettext.install(app)
    page_chrome.install(app)

    @app.context_processor
    def inject_i18n():
        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}

    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["local"] = to_local
    from app.admin.count_labels import count_label

    app.jinja_env.filters["count_label"] = count_label
    from app.common.share import qr_data_uri

    app.jinja_env.globals["qr_data_uri"] = qr_data_uri
    app.jinja_env.globals["external_url"] = external_url


def register_hooks() -> None:
    """Connect the features' providers to the hooks between features (`app/wiring.py`)."""
    from app.wiring import wire_hooks

    wire_hooks()


def register_blueprints(app: Flask) -> None:
    from app.accounts.sso_views import bp as sso_bp
    from app.accounts.views import bp as accounts_bp
    from app.admin.datahub_views import bp as datahub_bp
    from app.admin.roster_views import bp as roster_bp
    from app.admin.views import bp as admin_bp
    from app.announcements.views import bp as announcements_bp
    from app.api.api_systems_views import bp as api_systems_bp
    from app.api.api_tokens_views import tokens_bp as api_tokens_bp
    from app.api.views import bp as api_bp
    from app.audit.views import bp as audit_bp
    from app.checkin.attendance_views import bp as attendance_bp
    from app.checkin.certificates_views import bp as certificates_bp
    from app.checkin.views import bp as checkin_bp
    from app.columns.column_admin_views import bp as column_admin_bp
    from app.columns.contribute_views import bp as contribute_bp
    from app.columns.editorial_views import bp as editorial_bp
    from app.columns.media_views import bp as media_bp
    from app.columns.views import bp as columns_bp
    from app.credits.credit_admin_views import bp as credit_admin_bp
    from app.credits.views import bp as credits_bp
    from app.engagement.reports_views import bp as reports_bp
    from app.engagement.views import bp as engagement_bp
    from app.feedback.views import bp as feedback_bp
    from app.guide.views import bp as guide_bp
    from app.home.views import bp as home_bp
    from app.messages.views import bp as messages_bp
    from app.natrecord.views import bp as natrecord_bp
    from app.notifications.views import bp as notifications_bp
    from app.outside.views import bp as outside_bp
    from app.recruitment.teams.views import bp as teams_bp
    from app.recruitment.views import bp as recruitment_bp
    from app.rewards.badges_views import bp as badges_bp
    from app.rewards.leaderboards_views import bp as leaderboards_bp
    from app.rewards.library_use.views import bp as library_use_bp
    from app.rewards.views import bp as rewards_bp
    from app.shifts.handovers_views import bp as handovers_bp
    from app.shifts.reliability_views import bp as reliability_bp
    from app.shifts.tasks_views import bp as tasks_bp
    from app.shifts.views import bp as shifts_bp
    from app.stars.views import bp as stars_bp
    from app.wechat.views import bp as wechat_bp
    from app.wechat.wechat_admin_views import bp as wechat_admin_bp

    app.register_blueprint(home_bp)
    app.register_blueprint(announcements_bp)
    app.register_blueprint(messages_bp)
    app.register_blueprint(guide_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(sso_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(recruitment_bp)
    app.register_blueprint(teams_bp)
    app.register_blueprint(tasks_bp)
    app.register_blueprint(shifts_bp)
    app.register_blueprint(handovers_bp)
    app.register_blueprint(reliability_bp)
    app.register_blueprint(checkin_bp)
    app.register_blueprint(attendance_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(feedback_bp)
    app.register_blueprint(natrecord_bp)
    app.register_blueprint(outside_bp)
    app.register_blueprint(stars_bp)
    app.register_blueprint(rewards_bp)
    app.register_blueprint(badges_bp)
    app.register_blueprint(leaderboards_bp)
    app.register_blueprint(library_use_bp)
    app.register_blueprint(credits_bp)
    app.register_blueprint(columns_bp)
    app.register_blueprint(contribute_bp)
    app.register_blueprint(editorial_bp)
    app.register_blueprint(column_admin_bp)
    app.register_blueprint(media_bp)
    app.register_blueprint(credit_admin_bp)
    app.register_blueprint(wechat_admin_bp)
    app.register_blueprint(engagement_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(roster_bp)
    app.register_blueprint(datahub_bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)
    app.register_blueprint(api_tokens_bp)
    app.register_blueprint(api_systems_bp)
    app.register_blueprint(wechat_bp)


def register_errorhandlers(app: Flask) -> None:
    from app.errors import register_errorhandlers as register

    register(app)


def register_security(app: Flask) -> None:
    from app.common.pagination import register_pagination
    from app.common.security import register_security_headers

    register_security_headers(app)
    register_pagination(app)

    @app.context_processor
    def inject_request_path():
        return {"request_path": request.full_path.rstrip("?")}


def register_commands(app: Flask) -> None:
    from app.accounts.cli import create_admin_command
    from app.admin.cli import backup_command
    from app.demo.cli import demo_cli
    from app.rewards.cli import boards_cli
    from jobs.cli import jobs_cli

    app.cli.add_command(demo_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(boards_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(create_admin_command)


def register_jobs(app: Flask) -> None:
    """Web processes run no scheduler unless SCHEDULER_IN_WEB says so (single-process use);
    production runs one `flask jobs scheduler` process."""
    from jobs.scheduler import start_with_web

    start_with_web(app)
