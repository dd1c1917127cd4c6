"""The app as the check-in benchmark serves it under gunicorn: the real app (database from
BENCH_DATABASE_URL, CSRF and rate limits off so the load client stays simple) plus one
minimal endpoint that inserts a single row for the logged-in user, the yardstick the
check-in endpoint is compared with."""

from __future__ import annotations

import os

from flask import Blueprint, jsonify
from flask_login import current_user, login_required

from app import create_app
from app.checkin.scanlog import log_scan
from app.extensions import db
from config import TestConfig

minimal = Blueprint("bench_minimal", __name__)


@minimal.route("/bench/insert", methods=["POST"])
@login_required
def insert_one_row():
    entry = log_scan(method="manual", action="bench", outcome="ok", user_id=current_user.id)
    db.session.commit()
    return jsonify(id=entry.id)


def create_bench_app():
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=os.environ["BENCH_DATABASE_URL"],
        RATELIMIT_ENABLED=False,
        SECRET_KEY=os.environ.get("BENCH_SECRET_KEY", "bench-secret"),
        TESTING=False,
    )
    app.register_blueprint(minimal)
    return app


app = create_bench_app()
