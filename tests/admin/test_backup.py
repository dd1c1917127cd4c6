"""`flask backup`: consistent SQLite snapshots while others write, pruning, refusals."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app.admin import backup
from app.extensions import db
from tests import factories


def make_database(path: Path, rows: int = 5000) -> None:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE hours (id INTEGER PRIMARY KEY, person TEXT, minutes INT)")
    connection.executemany(
        "INSERT INTO hours (person, minutes) VALUES (?, ?)",
        ((f"志愿者{n}" + "x" * 200, n % 240) for n in range(rows)),
    )
    connection.commit()
    connection.close()


class Writer(threading.Thread):
    """Keeps inserting rows, one transaction each, until told to stop."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.stop = threading.Event()
        self.started_writing = threading.Event()
        self.written = 0
        self.error: Exception | None = None

    def run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=30)
        try:
            while not self.stop.is_set():
                with connection:
                    connection.execute(
                        "INSERT INTO hours (person, minutes) VALUES (?, ?)", ("写入者", 60)
                    )
                self.written += 1
                if self.written >= 20:
                    self.started_writing.set()
        except Exception as error:  # reported by the test
            self.error = error
        finally:
            connection.close()


def count_rows(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT count(*) FROM hours").fetchone()[0]
    finally:
        connection.close()


def test_a_backup_taken_while_another_thread_writes_is_consistent(app, tmp_path):
    source = tmp_path / "live.sqlite"
    make_database(source)
    writer = Writer(source)
    writer.start()
    assert writer.started_writing.wait(10)
    with app.app_context():
        snapshots = [
            backup.backup_database(
                f"sqlite:///{source}",
                tmp_path / "backups",
                keep=10,
                now=datetime(2026, 3, 1, 8, 0, second),
            )
            for second in range(3)
        ]
    written_during_backups = writer.written
    writer.stop.set()
    writer.join(10)
    assert writer.error is None
    assert writer.written > 20 and written_during_backups > 20
    counts = []
    for snapshot in snapshots:
        connection = sqlite3.connect(snapshot)
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        connection.close()
        counts.append(count_rows(snapshot))
    assert 5000 < counts[0] <= counts[1] <= counts[2] <= count_rows(source)
    assert not list((tmp_path / "backups").glob(".*partial*"))


def test_only_the_newest_snapshots_are_kept_and_other_files_are_left_alone(app, tmp_path):
    source = tmp_path / "live.sqlite"
    make_database(source, rows=10)
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    start = datetime(2026, 3, 1, 8, 0, 0)
    with app.app_context():
        made = [
            backup.backup_database(
                f"sqlite:///{source}", folder, keep=3, now=start + timedelta(hours=n)
            )
            for n in range(5)
        ]
        same_second = backup.backup_database(
            f"sqlite:///{source}", folder, keep=3, now=start + timedelta(hours=4)
        )
    assert same_second.name == "gongchuang-20260301-120000-2.sqlite"
    kept = sorted(path.name for path in folder.iterdir())
    assert kept == sorted([made[3].name, made[4].name, same_second.name, "notes.txt"])


@pytest.mark.parametrize(
    "url,message",
    [
        ("postgresql+psycopg://gongchuang:secret@db-host/gongchuang", "pg_dump"),
        ("sqlite://", "内存"),
        ("sqlite:////nonexistent/dir/gongchuang.sqlite", "不存在"),
    ],
)
def test_databases_that_cannot_be_copied_are_refused_with_advice(app, url, message):
    with app.app_context(), pytest.raises(backup.BackupError) as error:
        backup.backup_database(url, "/tmp/unused", keep=3)
    assert message in error.value.message


def test_flask_backup_command_writes_a_snapshot_of_the_running_app(app, runner, tmp_path):
    admin = factories.person(roles=["admin"], name="备份测试")
    db.session.commit()
    result = runner.invoke(args=["backup", "--dir", str(tmp_path), "--keep", "2"])
    if db.engine.dialect.name != "sqlite":
        assert result.exit_code != 0 and "pg_dump" in result.output
        return
    assert result.exit_code == 0, result.output
    [snapshot] = backup.snapshots(tmp_path)
    assert str(snapshot) in result.output
    connection = sqlite3.connect(snapshot)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        names = connection.execute(
            "SELECT name FROM users WHERE student_number = ?", (admin.student_number,)
        ).fetchall()
    finally:
        connection.close()
    assert names == [("备份测试",)]
