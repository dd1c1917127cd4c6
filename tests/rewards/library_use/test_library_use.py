"""Library-use import: every kind of bad row, whole-file refusals, idempotent re-import,
rollback, and the monthly reading sums and scores."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.common.tabular import TableError
from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db as _db
from app.rewards.library_use import imports, reading, results, rows
from app.rewards.models import MONTH_ROW_DAY, LibraryUse, LibraryUseImport
from tests import factories

pytestmark = pytest.mark.usefixtures("english_messages")

FILES = Path(__file__).parent / "files"
HEADER = "学号,日期,月份,借阅次数,入馆次数,在馆分钟,电子资源次数"
# 12:00 on 5 November 2026 in Shanghai.
NOW = datetime(2026, 11, 5, 4, 0)


def csv_bytes(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode(encoding)


def sample(name: str) -> bytes:
    return (FILES / name).read_bytes()


def run(data: bytes, admin, filename: str = "export.csv", now: datetime = NOW):
    imp = imports.import_library_use(data, filename, actor=admin, now=now)
    _db.session.commit()
    return imp


def reasons(imp: LibraryUseImport) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for problem in imp.rejected:
        found.setdefault(problem["line"], []).append(problem["reason"])
    return found


def stored(user=None) -> list[LibraryUse]:
    query = select(LibraryUse).order_by(LibraryUse.user_id, LibraryUse.day)
    if user is not None:
        query = query.where(LibraryUse.user_id == user.id)
    return list(_db.session.scalars(query))


def stored_count() -> int:
    return _db.session.scalar(select(func.count(LibraryUse.id)))


@pytest.fixture
def readers(db):
    people = [
        factories.person(student_number=f"202314100{n}", name=name)
        for n, name in ((1, "张三"), (2, "李四"), (3, "王五"))
    ]
    db.session.commit()
    return people


# Rows --------------------------------------------------------------------------------------


def test_a_file_with_every_kind_of_bad_row_stores_only_the_good_ones(db, admin, readers):
    earlier = run(sample("earlier.csv"), admin, "earlier.csv")
    imp = run(sample("every_bad_row.csv"), admin, "october.csv")
    assert reasons(imp) == {
        5: ["unknown_student"],
        6: ["negative"],
        7: ["not_a_number"],
        8: ["bad_date"],
        9: ["bad_month"],
        10: ["future"],
        11: ["duplicate"],
        12: ["duplicate_differs"],
        13: ["duplicate_differs"],
        14: ["too_large"],
        15: ["conflict"],
        17: ["mixed_periods"],
        18: ["missing_student"],
        19: ["missing_period"],
        20: ["period_mismatch"],
        21: ["not_a_number"],
    }
    counts = results.import_counts(imp)
    assert (counts.total, counts.stored, counts.present, counts.rejected) == (20, 3, 1, 16)
    zhang, li, _wang = readers
    assert [(row.day, row.loans, row.minutes, row.e_sessions) for row in stored(zhang)] == [
        (date(2026, 10, 1), 2, 120, 3),
        (date(2026, 10, 2), 1, 60, 0),
    ]
    assert [(row.month, row.day, row.visits) for row in stored(li)] == [
        ("2026-10", MONTH_ROW_DAY, 10)
    ]
    by_line = {row.line: row for row in results.rejected_rows(imp)}
    assert by_line[15].reasons == [
        f"Import #{earlier.id} already stored different figures for this person and period. "
        "Roll that import back first if this file is right."
    ]
    assert by_line[5].reasons == ["No person has the student number “2099999999”."]
    assert by_line[6].reasons == ["Loans is negative (-1)."]
    assert by_line[12].reasons[0].startswith("Rows 12, 13 give different figures")
    assert by_line[6].cells == ["2023141002", "2026-09-03", "", "-1", "1", "10", "0"]


def test_a_row_with_several_problems_lists_them_all(db, admin, readers):
    imp = run(csv_bytes("2099999999,2026-02-30,,-2,x,1,1"), admin)
    assert reasons(imp) == {2: ["bad_date", "negative", "not_a_number", "unknown_student"]}
    assert results.import_counts(imp).rejected == 1
    assert stored_count() == 0


def test_daily_rows_and_a_month_row_for_the_same_month_are_both_refused(db, admin, readers):
    imp = run(
        csv_bytes(
            "2023141001,2026-10-01,,1,1,10,0",
            "2023141001,,2026-10,9,9,90,9",
            "2023141002,2026-10-01,,1,1,10,0",
        ),
        admin,
    )
    assert reasons(imp) == {2: ["mixed_periods"], 3: ["mixed_periods"]}
    assert [row.user_id for row in stored()] == [readers[1].id]


def test_a_month_row_is_refused_where_daily_rows_are_stored(db, admin, readers):
    run(csv_bytes("2023141001,2026-10-01,,1,1,10,0"), admin)
    imp = run(csv_bytes("2023141001,,2026-10,9,9,90,9"), admin)
    assert reasons(imp) == {2: ["mixed_periods"]}


def test_excel_style_dates_numbers_and_english_headers_are_read(db, admin, readers):
    run(sample("english_headers.csv"), admin)
    run(csv_bytes("2023141002,2026/10/3,,2.0,1,30,0", "2023141003,20261004,,1,1,30,0"), admin)
    assert [(row.month, row.day, row.loans) for row in stored()] == [
        ("2026-10", MONTH_ROW_DAY, 3),
        ("2026-10", date(2026, 10, 3), 2),
        ("2026-10", date(2026, 10, 4), 1),
    ]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_bom_and_gb18030_files_are_accepted(db, admin, readers, encoding):
    imp = run(csv_bytes("2023141001,2026-10-01,,1,1,10,0", encoding=encoding), admin)
    assert imp.rows_accepted == 1


def test_the_current_month_is_accepted_and_the_next_refused(db, admin, readers):
    imp = run(csv_bytes("2023141001,,2026-11,1,1,10,0", "2023141002,,2026-12,1,1,10,0"), admin)
    assert reasons(imp) == {3: ["future"]}


# Whole files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data,message",
    [
        (
            "student_number,date,loans,visits,minutes,e_sessions,note\n"
            "2023141001,2026-10-01,1,1,1,1,Zoë Müller\n".encode("latin-1"),
            "encoding",
        ),
        ("学号,日期,借阅次数\n2023141001,2026-10-01,1\n".encode(), "入馆次数"),
        ("学号,借阅次数,入馆次数,在馆分钟,电子资源次数\n1,1,1,1,1\n".encode(), "日期"),
        (b"", "The file is empty"),
        (csv_bytes(), "no data"),
        ("学号,日期\n1,2\n".encode("utf-16"), "UTF-16"),
    ],
)
def test_unusable_files_are_refused_whole(db, admin, readers, data, message):
    with pytest.raises(TableError, match=message):
        imports.import_library_use(data, "bad.csv", actor=admin, now=NOW)
    db.session.rollback()
    assert db.session.scalar(select(func.count(LibraryUseImport.id))) == 0


def test_a_file_with_too_many_rows_is_refused(db, admin, readers, monkeypatch):
    monkeypatch.setattr(rows, "MAX_ROWS", 2)
    data = csv_bytes(*[f"2023141001,2026-10-0{day},,1,1,1,1" for day in (1, 2, 3)])
    with pytest.raises(TableError, match="more than 2 rows"):
        imports.import_library_use(data, "big.csv", actor=admin, now=NOW)


def test_only_admins_import_and_roll_back(db, admin, readers):
    coordinator = factories.person(roles=["coordinator"])
    with pytest.raises(Forbidden):
        imports.import_library_use(sample("earlier.csv"), "x.csv", actor=coordinator)
    imp = run(sample("earlier.csv"), admin)
    with pytest.raises(Forbidden):
        imports.rollback_import(imp, actor=readers[0])
    assert stored_count() == 3


# Idempotence and rollback ------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(db, admin, readers):
    first = run(sample("every_bad_row.csv"), admin)
    with pytest.raises(imports.AlreadyImported, match=f"import #{first.id}") as raised:
        imports.import_library_use(sample("every_bad_row.csv"), "again.csv", actor=admin)
    db.session.rollback()
    assert raised.value.existing_id == first.id
    assert db.session.scalar(select(func.count(LibraryUseImport.id))) == 1
    assert stored_count() == first.rows_accepted == 6


def test_a_file_with_the_same_rows_but_other_bytes_finds_them_present(db, admin, readers):
    run(sample("earlier.csv"), admin)
    again = run(sample("earlier.csv").replace(b"\n", b"\r\n"), admin)
    counts = results.import_counts(again)
    assert (counts.stored, counts.present, counts.rejected) == (0, 3, 0)
    assert stored_count() == 3


def test_rollback_deletes_the_rows_and_allows_the_file_again(db, admin, readers):
    imp = run(sample("earlier.csv"), admin)
    other = run(csv_bytes("2023141001,2026-10-01,,1,1,10,0"), admin)
    imports.rollback_import(imp, actor=admin, now=NOW + timedelta(hours=1))
    db.session.commit()
    assert imp.status == "rolled_back" and imp.rolled_back_by_id == admin.id
    assert [row.import_id for row in stored()] == [other.id]
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "rewards.library_use_rolled_back")
    )
    assert entry.after == {"status": "rolled_back", "rows_deleted": 3}
    with pytest.raises(Conflict):
        imports.rollback_import(imp, actor=admin)
    db.session.rollback()
    again = run(sample("earlier.csv"), admin)
    assert again.id != imp.id and again.rows_accepted == 3


def test_an_import_is_audited(db, admin, readers):
    imp = run(sample("earlier.csv"), admin, "earlier.csv")
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "rewards.library_use_imported")
    )
    assert entry.actor_id == admin.id and entry.object_id == str(imp.id)
    assert entry.after["stored"] == 3 and entry.after["file"] == "earlier.csv"


def test_fifty_thousand_rows_are_all_imported(db, admin):
    """Its speed is measured by `make bench` (bench/imports.py), not here."""
    people = [factories.person() for _ in range(100)]
    db.session.commit()
    first = date(2025, 1, 1)
    lines = [
        f"{person.student_number},{first + timedelta(days=offset)},,1,2,30,1"
        for person in people
        for offset in range(500)
    ]
    imp = run(csv_bytes(*lines), admin)
    assert imp.rows_accepted == 50_000 and stored_count() == 50_000


# Monthly reading ---------------------------------------------------------------------------


def test_monthly_reading_sums_a_month_and_scores_it(db, admin, readers):
    run(
        csv_bytes(
            "2023141001,2026-10-01,,2,1,120,3",
            "2023141001,2026-10-20,,1,1,60,0",
            "2023141001,2026-11-01,,9,9,90,9",
            "2023141002,,2026-10,5,10,600,4",
            "2023141003,2026-10-03,,0,1,0,0",
        ),
        admin,
    )
    zhang, li, wang = readers
    rows = reading.monthly_reading("2026-10")
    assert rows == [
        # 5×3 + 10 + 600/60 + 4×0.5
        reading.ReadingRow(li.id, 37.0, 5, 10, 600, 4, date(2026, 10, 31)),
        # 3×3 + 2 + 180/60 + 3×0.5
        reading.ReadingRow(zhang.id, 15.5, 3, 2, 180, 3, date(2026, 10, 20)),
        reading.ReadingRow(wang.id, 1.0, 0, 1, 0, 0, date(2026, 10, 3)),
    ]
    assert [reading.reading_score(row) for row in rows] == [37.0, 15.5, 1.0]
    assert reading.monthly_reading("2026-08") == []


def test_the_weights_come_from_the_settings(app, db, admin, readers, monkeypatch):
    run(csv_bytes("2023141001,2026-10-01,,2,1,90,3"), admin)
    monkeypatch.setitem(app.config, "READING_SCORE_WEIGHTS", {"loans": 10, "e_sessions": 0})
    [row] = reading.monthly_reading("2026-10")
    # 2×10 + 1 + 1.5 + 0
    assert row.score == 22.5 and reading.reading_score(row) == 22.5


def test_a_rolled_back_import_no_longer_counts(db, admin, readers):
    imp = run(csv_bytes("2023141001,2026-10-01,,2,1,90,3"), admin)
    imports.rollback_import(imp, actor=admin)
    assert reading.monthly_reading("2026-10") == []


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "october", ""])
def test_monthly_reading_refuses_a_bad_month(db, month):
    with pytest.raises(InvalidInput):
        reading.monthly_reading(month)


# Large files -------------------------------------------------------------------------------


def test_a_large_file_is_stored_and_committed_a_chunk_at_a_time(
    app, db, admin, readers, monkeypatch
):
    monkeypatch.setitem(app.config, "IMPORT_CHUNK_ROWS", 3)
    lines = [
        f"{reader.student_number},2026-10-{day:02d},,1,1,30,0"
        for reader in readers
        for day in range(1, 4)
    ]
    seen_elsewhere = []

    def checkpoint(done: int, total: int) -> None:
        _db.session.commit()
        with _db.engine.connect() as other:  # what everyone else sees now
            count = other.execute(select(func.count(LibraryUse.id))).scalar_one()
            seen_elsewhere.append((done, total, count))

    imp = imports.import_library_use(
        csv_bytes(*lines), "big.csv", actor=admin, now=NOW, checkpoint=checkpoint
    )
    _db.session.commit()
    assert seen_elsewhere == [(3, 9, 3), (6, 9, 6), (9, 9, 9)]
    assert results.import_counts(imp).as_dict() == {
        "total": 9,
        "stored": 9,
        "present": 0,
        "rejected": 0,
    }
    entries = _db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "rewards.library_use_imported")
    ).all()
    assert len(entries) == 1 and entries[0].after["stored"] == 9
