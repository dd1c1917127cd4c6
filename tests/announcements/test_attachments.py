"""An announcement's attachment: a PDF or an image checked by its content, size-limited by
ANNOUNCEMENT_ATTACHMENT_MAX_MB; refused ones leave no announcement and no file behind; its
recipients and the team's coordinators download it, nobody else does."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.announcements.models import Announcement
from app.extensions import db as _db
from tests.announcements import announcement_data as data
from tests.columns import media_files as samples
from tests.helpers import page
from tests.recruitment import recruiting

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def own_upload_dir(app, monkeypatch, tmp_path):
    """A folder of this test's own, to see that a refused file leaves nothing behind."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))


def _form(where, content: bytes, name: str) -> dict:
    return {
        "audience": "shift",
        "target_id": str(where.shift.id),
        "signups": "confirmed",
        "title": "新学期排班表",
        "body": "见附件。",
        "file": (io.BytesIO(content), name),
    }


def _kept(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"]) / "announcements"
    return sorted(folder.iterdir()) if folder.exists() else []


def _count() -> int:
    return _db.session.scalar(select(func.count(Announcement.id)))


def test_a_pdf_goes_with_the_announcement_to_its_recipients_only(app, client, login, db):
    where = data.place()
    stranger = recruiting.coordinator(data.place().team)
    db.session.commit()
    login(where.coordinator)
    sent = client.post("/announcements/new", data=_form(where, PDF, "排班表.exe.pdf"))
    assert sent.status_code == 302
    announcement = _db.session.scalars(select(Announcement)).one()
    assert announcement.attachment_type == "application/pdf"
    assert (
        announcement.attachment_file.endswith(".pdf") and "排班" not in announcement.attachment_file
    )
    data.send()
    url = f"/announcements/{announcement.id}/attachment"
    assert client.get(url).data == PDF  # the coordinator

    client.post("/logout")
    login(where.confirmed[0])
    assert url in page(client.get(f"/announcements/{announcement.id}"))
    download = client.get(url)
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]

    for outsider in (where.waitlisted[0], stranger):  # not told; another team's coordinator
        client.post("/logout")
        login(outsider)
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("make", [samples.png_bytes, samples.jpeg_bytes, samples.webp_bytes])
def test_images_are_taken(client, login, db, make):
    where = data.place()
    db.session.commit()
    login(where.coordinator)
    assert client.post("/announcements/new", data=_form(where, make(), "x.bin")).status_code == 302
    assert _db.session.scalars(select(Announcement)).one().attachment_type.startswith("image/")


@pytest.mark.parametrize(
    "content, name",
    [
        (samples.elf_bytes(), "通知.pdf"),  # a program named .pdf
        (samples.html_bytes(), "通知.pdf"),
        (samples.svg_bytes(), "图.svg"),
        (samples.mp3_bytes(), "歌.pdf"),
        (b"", "空.pdf"),
    ],
)
def test_a_wrong_file_is_refused_and_nothing_is_kept(app, client, login, db, content, name):
    where = data.place()
    db.session.commit()
    login(where.coordinator)
    refused = client.post("/announcements/new", data=_form(where, content, name))
    assert refused.status_code == 400 and "invalid-feedback" in page(refused)
    assert _count() == 0 and _kept(app) == []


def test_a_file_over_the_limit_is_refused_in_chinese(app, client, login, db, monkeypatch):
    monkeypatch.setitem(app.config, "ANNOUNCEMENT_ATTACHMENT_MAX_MB", 1)
    where = data.place()
    db.session.commit()
    login(where.coordinator)
    big = PDF + b"0" * (1024 * 1024)
    refused = client.post("/announcements/new", data=_form(where, big, "大.pdf"))
    assert refused.status_code == 400
    assert "1 MB" in page(refused) and "invalid-feedback" in page(refused)
    assert _count() == 0 and _kept(app) == []


def test_a_bad_form_keeps_no_file(app, client, login, db):
    where = data.place()
    db.session.commit()
    login(where.coordinator)
    form = _form(where, PDF, "a.pdf") | {"body": ""}
    assert client.post("/announcements/new", data=form).status_code == 400
    assert _count() == 0 and _kept(app) == []
