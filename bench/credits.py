"""Second Classroom export at full size: 100,000 lines of 16 columns (issue 9).

Each case runs in a fresh Python process, so that its peak memory is its own:
- bare: XlsxWriter in constant_memory mode writing the same rows cell by cell (strings,
  ISO dates, float amounts) and nothing else: the yardstick.
- xlsx: exporter.render with the seeded default template's columns, as XLSX.
- csv: exporter.render with the same columns as CSV in UTF-8 with BOM.
- batch: an approved batch of BENCH_CREDIT_ROWS lines in a throwaway SQLite database
  (built beforehand in another process with bulk inserts, not the services, for speed),
  read through batch_export.export_rows and written by exporter.render as XLSX.

The synthetic rows (Chinese names, colleges and activities; every tenth a negative
adjustment) are built as a list before the clock starts, so those times are the writing
alone; the batch time includes reading the database, as a real export does.

Peak memory is resource.getrusage(RUSAGE_SELF).ru_maxrss after the case minus ru_maxrss
just before it, with the imports done and the input there (the list of rows, or the
database on disk): what the export adds on top of its input, the finished file's bytes
included. The input list is not counted because the real export streams its rows from the
database a chunk at a time (the batch case shows that).

Targets: XLSX and the batch within 1.5× the bare writer's time of the same run, peak under
100 MB, CSV under 2 s. Exit status 1 when a target is missed.
Run with `python -m bench.credits`.
"""

from __future__ import annotations

import gc
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal

import xlsxwriter
from sqlalchemy import insert, select

from app import create_app
from app.accounts.models import College, User
from app.common.time import utcnow
from app.credits import batch_export, exporter
from app.credits.export_templates import DEFAULT_COLUMNS, DEFAULT_DATE_FORMAT
from app.credits.exporter import ExportRow
from app.credits.models import CreditBatch, CreditBatchItem, CreditRecord, CreditTemplate
from app.extensions import db
from config import TestConfig

ROWS = int(os.environ.get("BENCH_CREDIT_ROWS", "100000"))
RATIO, PEAK_MB, CSV_SECONDS = 1.5, 100.0, 2.0
EXPORT_DAY = date(2026, 10, 8)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗欧阳司马"
GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰"
COLLEGES = [f"{name}学院" for name in ("计算机", "外国语", "经济管理", "文学", "物理", "化学")]
ACTIVITIES = ["总服务台值班", "古籍修复志愿服务", "新生入馆教育培训", "有声阅读：红楼梦选读"]
CATEGORIES = ["志愿公益", "技能培训", "文化艺术"]
ROLES = ["志愿者", "学员", "作者", "队长"]


def synthetic_rows(count: int) -> list[ExportRow]:
    rng = random.Random(9)
    first_day = date(2026, 3, 1)
    rows = []
    for n in range(count):
        started = first_day + timedelta(days=n % 180)
        adjustment = n % 10 == 9
        minutes = rng.randint(30, 600) * (-1 if adjustment else 1)
        record_number = f"GCA{n + 1:08d}"
        rows.append(
            ExportRow(
                student_number=f"{2024000000 + n % 40000:010d}",
                name=rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
                college=COLLEGES[n % len(COLLEGES)],
                class_name="",
                activity_name=ACTIVITIES[n % len(ACTIVITIES)],
                category=CATEGORIES[n % len(CATEGORIES)],
                level="校级",
                role=ROLES[n % len(ROLES)],
                started_on=started,
                ended_on=started + timedelta(days=n % 3),
                hours=(Decimal(minutes) / 60).quantize(Decimal("0.01")),
                credits=(Decimal(minutes) / 600).quantize(Decimal("0.01")),
                recognised_on=EXPORT_DAY,
                organiser="图书馆",
                line_number=f"{record_number}-2" if adjustment else record_number,
                note=f"调整 {record_number}" if adjustment else "",
                major="软件工程",
                enrolment_year="2024",
                kind="调整" if adjustment else "新增",
            )
        )
    return rows


def bare_xlsx(rows: list[ExportRow]) -> int:
    """The yardstick: the same 16 cells a row through XlsxWriter, nothing else."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True, "in_memory": False})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, [header for _field, header in DEFAULT_COLUMNS])
    write_string, write_number = sheet.write_string, sheet.write_number
    for index, row in enumerate(rows, start=1):
        write_string(index, 0, row.student_number)
        write_string(index, 1, row.name)
        write_string(index, 2, row.college)
        write_string(index, 3, row.class_name)
        write_string(index, 4, row.activity_name)
        write_string(index, 5, row.category)
        write_string(index, 6, row.level)
        write_string(index, 7, row.role)
        write_string(index, 8, row.started_on.isoformat())
        write_string(index, 9, row.ended_on.isoformat())
        write_number(index, 10, float(row.hours))
        write_number(index, 11, float(row.credits))
        write_string(index, 12, row.recognised_on.isoformat())
        write_string(index, 13, row.organiser)
        write_string(index, 14, row.line_number)
        write_string(index, 15, row.note)
    workbook.close()
    return len(output.getvalue())


def default_template(file_type: str) -> CreditTemplate:
    return CreditTemplate(
        name="bench",
        file_type=file_type,
        date_format=DEFAULT_DATE_FORMAT,
        columns=[{"field": field, "header": header} for field, header in DEFAULT_COLUMNS],
    )


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measured(write: Callable[[], int]) -> dict:
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    size = write()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": rss_mb() - before, "size": size}


def run_rows_case(case: str) -> dict:
    rows = synthetic_rows(ROWS)
    if case == "bare":
        return measured(lambda: bare_xlsx(rows))
    file_type = "xlsx" if case == "xlsx" else "csv_utf8"
    template = default_template(file_type)

    def write() -> int:
        content, count = exporter.render(template, rows)
        assert count == ROWS
        return len(content)

    return measured(write)


# The batch case ----------------------------------------------------------------------------


def _chunks(rows: Iterator[dict], size: int = 20_000) -> Iterator[list[dict]]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _bulk(table, rows: Iterator[dict]) -> None:
    for chunk in _chunks(rows):
        db.session.execute(insert(table.__table__), chunk)
        db.session.commit()


def build_batch(now: datetime) -> int:
    """An approved batch of ROWS lines, one per record, over 20,000 people."""
    rng = random.Random(9)
    people = min(ROWS, 20_000)
    _bulk(College, ({"code": f"C{n}", "name": name} for n, name in enumerate(COLLEGES)))
    colleges = list(db.session.scalars(select(College.id)))
    _bulk(
        User,
        (
            {
                "student_number": f"{2024000000 + n:010d}",
                "name": rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=2)),
                "college_id": colleges[n % len(colleges)],
                "enrolment_year": 2024,
                "password_hash": "x",
                "session_token": f"bench-{n}",
                "created_at": now,
            }
            for n in range(people)
        ),
    )
    users = list(db.session.scalars(select(User.id)))
    first_day = date(2026, 3, 1)

    def record(n: int) -> dict:
        started = first_day + timedelta(days=n % 180)
        return {
            "record_number": f"GCA{n + 1:08d}",
            "source": "attendance",
            "source_id": n + 1,
            "user_id": users[n % people],
            "category": CATEGORIES[n % len(CATEGORIES)],
            "activity_name": ACTIVITIES[n % len(ACTIVITIES)],
            "role": ROLES[n % len(ROLES)],
            "organiser": "图书馆",
            "started_on": started,
            "ended_on": started,
            "semester": "2026-spring",
            "minutes": 60 + n % 540,
            "credits": (60 + n % 540) // 6,
            "void": False,
            "revision": 1,
            "created_at": now,
            "updated_at": now,
        }

    _bulk(CreditRecord, (record(n) for n in range(ROWS)))
    db.session.add(
        CreditBatch(
            title="压测批次",
            period_start=first_day,
            period_end=first_day + timedelta(days=180),
            status="approved",
            created_by_id=users[0],
            created_at=now,
        )
    )
    db.session.commit()
    batch_id = db.session.scalar(select(CreditBatch.id))
    columns = (CreditRecord.id, CreditRecord.record_number, CreditRecord.minutes)
    records = db.session.execute(select(*columns).order_by(CreditRecord.id)).all()
    shared = ("category", "activity_name", "role", "organiser", "started_on", "ended_on")
    _bulk(
        CreditBatchItem,
        (
            {
                **{name: record_values[name] for name in shared},
                "batch_id": batch_id,
                "record_id": record_id,
                "revision": 1,
                "kind": "new",
                "line_number": record_number,
                "claim_key": f"{record_id}:1",
                "minutes": minutes,
                "credits": minutes // 6,
                "level": "校级",
                "note": "",
            }
            for (record_id, record_number, minutes), record_values in zip(
                records, (record(n) for n in range(ROWS)), strict=True
            )
        ),
    )
    return batch_id


def app_for(url: str):
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False)


def run_build_case() -> dict:
    """Build the batch's database (its own process, so the export's peak is its own)."""
    app = app_for(os.environ["BENCH_CREDIT_DB"])
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        batch_id = build_batch(utcnow())
        seconds = time.perf_counter() - started
        db.engine.dispose()
    return {"batch_id": batch_id, "seconds": seconds}


def run_batch_case() -> dict:
    app = app_for(os.environ["BENCH_CREDIT_DB"])
    with app.app_context():
        batch_id = int(os.environ["BENCH_CREDIT_BATCH"])
        template = default_template("xlsx")
        db.session.execute(select(1))  # connect before measuring

        def write() -> int:
            rows = batch_export.export_rows(batch_id, recognised_on=EXPORT_DAY)
            content, count = exporter.render(template, rows)
            assert count == ROWS, count
            return len(content)

        try:
            return measured(write)
        except NotImplementedError:
            return {"skipped": "batch_export.export_rows is not implemented yet"}
        finally:
            db.engine.dispose()


# Running and reporting ----------------------------------------------------------------------

CASES = {
    "bare": "bare XlsxWriter (constant_memory)",
    "xlsx": "exporter.render, XLSX",
    "csv": "exporter.render, CSV UTF-8 BOM",
    "batch": "batch from SQLite → XLSX",
}


def in_fresh_process(case: str, env: dict[str, str]) -> dict:
    """Run one case in a new interpreter and read its JSON answer."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.credits", "--case", case],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def verdict(case: str, result: dict, bare_seconds: float) -> tuple[str, bool]:
    """(target, met) for one measured case."""
    ratio = result["seconds"] / bare_seconds
    peak_ok = result["peak_mb"] < PEAK_MB
    if case == "bare":
        return "the yardstick", True
    if case == "csv":
        return f"< {CSV_SECONDS:.0f} s, < {PEAK_MB:.0f} MB", result[
            "seconds"
        ] < CSV_SECONDS and peak_ok
    return f"≤ {RATIO}× bare, < {PEAK_MB:.0f} MB", ratio <= RATIO and peak_ok


def run_all(folder: str) -> dict[str, dict]:
    env = {
        "BENCH_CREDIT_DB": os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/c.sqlite"
    }
    results = {case: in_fresh_process(case, env) for case in ("bare", "xlsx", "csv")}
    built = in_fresh_process("build", env)
    if "batch_id" not in built:
        results["batch"] = {"error": f"building the batch: {built.get('error')}"}
        return results
    print(f"built a batch of {ROWS:,} lines in SQLite in {built['seconds']:.1f} s")
    results["batch"] = in_fresh_process(
        "batch", {**env, "BENCH_CREDIT_BATCH": str(built["batch_id"])}
    )
    return results


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        results = run_all(folder)
    bare = results["bare"]
    if "seconds" not in bare:
        print(f"the bare writer failed: {bare}")
        return 1
    print(f"{ROWS:,} rows of 16 columns, each case in a fresh process")
    print("peak MB = ru_maxrss after the case − before it (imports done, input there)")
    print(f"{'case':<36}{'time s':>8}{'× bare':>8}{'peak MB':>9}{'file MB':>9}  target")
    missed = 0
    for case, label in CASES.items():
        result = results[case]
        if "seconds" not in result:
            missed += "error" in result
            print(f"{label:<36}{result.get('skipped') or 'FAILED: ' + result['error']}")
            continue
        target, ok = verdict(case, result, bare["seconds"])
        missed += not ok
        print(
            f"{label:<36}{result['seconds']:>8.2f}{result['seconds'] / bare['seconds']:>8.2f}"
            f"{result['peak_mb']:>9.1f}{result['size'] / 2**20:>9.1f}  {target}  "
            f"{'yes' if ok else 'NO'}"
        )
    return 1 if missed else 0


def run_case(case: str) -> dict:
    if case == "build":
        return run_build_case()
    if case == "batch":
        return run_batch_case()
    return run_rows_case(case)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--case":
        print(json.dumps(run_case(sys.argv[2])))
        sys.exit(0)
    sys.exit(main())
