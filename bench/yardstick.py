"""The yardstick: a bare Flask + Flask-SQLAlchemy + Flask-Login app with a session login,
one endpoint reading a count and one inserting a row. `bench.speed` serves it exactly as it
serves the product (gunicorn, same workers, same database) and drives both with the same
load client, so every hot page is reported as a ratio to what the bare stack can do.

Its two tables (`yardstick_user`, `yardstick_row`) live beside the product's in the
benchmark's throwaway database; `build` creates them and one user per product person."""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, abort, jsonify, request
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()


class YardstickUser(UserMixin, db.Model):
    __tablename__ = "yardstick_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)


class YardstickRow(db.Model):
    __tablename__ = "yardstick_row"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("yardstick_user.id"), index=True)
    note: Mapped[str] = mapped_column(sa.String(40))


@login_manager.user_loader
def load_user(user_id: str) -> YardstickUser | None:
    return db.session.get(YardstickUser, int(user_id))


def create_yardstick(url: str, secret: str = "bench-secret") -> Flask:
    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=secret)
    db.init_app(app)
    login_manager.init_app(app)

    @app.post("/login")
    def login():
        user = db.session.scalar(sa.select(YardstickUser).filter_by(name=request.form["name"]))
        if user is None:
            abort(403)
        login_user(user)
        return "", 302, {"Location": "/read"}

    @app.get("/read")
    @login_required
    def read():
        count = db.session.scalar(
            sa.select(sa.func.count(YardstickRow.id)).filter_by(user_id=current_user.id)
        )
        return jsonify(count=count)

    @app.post("/insert")
    @login_required
    def insert():
        row = YardstickRow(user_id=current_user.id, note="bench")
        db.session.add(row)
        db.session.commit()
        return jsonify(id=row.id)

    return app


def build(url: str, names: list[str]) -> None:
    """The yardstick's tables in the benchmark database, one user per name."""
    app = create_yardstick(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.add_all(YardstickUser(name=name) for name in names)
        db.session.commit()
        db.engine.dispose()


if os.environ.get("BENCH_DATABASE_URL"):
    app = create_yardstick(
        os.environ["BENCH_DATABASE_URL"], os.environ.get("BENCH_SECRET_KEY", "bench-secret")
    )
