"""A live server with the demo data loaded (and the few objects it lacks), for checking
every page as every demo role."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.demo import services as demo
from app.extensions import db
from config import TestConfig
from tests.e2e.a11y.urls import add_shared_objects
from tests.e2e.conftest import LiveServer


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("a11y")
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'demo.sqlite'}",
        UPLOAD_DIR=str(folder / "uploads"),
        WTF_CSRF_ENABLED=True,
    )
    with app.app_context():
        db.create_all()
        demo.load_demo_data()
        add_shared_objects()
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="a11y-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()
