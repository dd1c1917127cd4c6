"""The volunteer's national number and consented, encrypted ID-card number."""

import pytest
from sqlalchemy import select, text

from app.accounts import anonymise
from app.admin import backup
from app.audit.models import AuditEntry
from app.errors import InvalidInput, NotFound
from app.natrecord import crypto, identity
from app.natrecord.models import VolunteerIdentity
from tests import factories
from tests.natrecord.conftest import ID_NUMBER, OTHER_ID_NUMBER


def raw_row(db, user_id):
    return db.session.execute(
        text(
            "SELECT national_number, id_number_cipher, id_number_last4, id_consent_at "
            "FROM volunteer_identities WHERE user_id = :id"
        ),
        {"id": user_id},
    ).one_or_none()


def give_id_number(client, number=ID_NUMBER, consent=True):
    data = {"id_number": number}
    if consent:
        data["consent"] = "y"
    return client.post("/profile/identity/id-number", data=data)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (ID_NUMBER, True),
        (ID_NUMBER.lower(), True),
        (OTHER_ID_NUMBER, True),
        ("110105194912310021", False),  # wrong check character
        ("11010519491231002", False),  # 17 characters
        ("110105194902301234", False),  # 30 February
        ("11010519491231002Y", False),
    ],
)
def test_id_numbers_are_checked_against_gb_11643(app, value, valid):
    with app.test_request_context():
        if valid:
            assert identity.clean_id_number(value) == value.upper()
        else:
            with pytest.raises(InvalidInput) as refused:
                identity.clean_id_number(value)
            assert refused.value.field == "id_number"


@pytest.mark.parametrize("value", ["1234567", "12345678901234567890123", "3201A2345678", "１２３"])
def test_a_national_number_in_the_wrong_format_is_refused_and_nothing_is_kept(
    client, login, db, student, value
):
    login(student)
    response = client.post("/profile/identity", data={"national_number": value})
    assert response.status_code == 400
    assert b"is-invalid" in response.data
    assert raw_row(db, student.id) is None


def test_a_volunteer_saves_their_national_number(client, login, db, student):
    login(student)
    response = client.post("/profile/identity", data={"national_number": " 1234 5678 9012 "})
    assert response.status_code == 302
    assert raw_row(db, student.id).national_number == "123456789012"
    assert client.get("/profile").status_code == 200
    assert b'data-testid="national-record-link"' in client.get("/profile").data


def test_without_a_key_the_id_number_is_not_offered_anywhere(
    app, client, login, db, student, monkeypatch
):
    monkeypatch.setitem(app.config, "NATIONAL_EXPORT_ID_NUMBER", True)  # the key is missing
    login(student)
    page = client.get("/profile/identity").data
    assert b'data-testid="national-number-form"' in page
    assert b'data-testid="id-number-card"' not in page
    assert b'name="id_number"' not in page
    assert b'name="id_number"' not in client.get("/profile").data
    assert give_id_number(client).status_code == 404
    assert raw_row(db, student.id) is None
    with app.test_request_context(), pytest.raises(NotFound):
        identity.save_id_number(student, ID_NUMBER, consent=True)


def test_the_id_number_needs_the_export_setting_too(app, client, login, student, identity_key):
    app.config["NATIONAL_EXPORT_ID_NUMBER"] = False
    login(student)
    assert b'data-testid="id-number-card"' not in client.get("/profile/identity").data
    assert give_id_number(client).status_code == 404


def test_the_id_number_is_kept_only_with_its_own_consent(client, login, db, student, identity_key):
    login(student)
    assert b'data-testid="id-number-form"' in client.get("/profile/identity").data
    give_id_number(client, consent=False)
    assert raw_row(db, student.id) is None
    give_id_number(client, number="110105194912310021")  # bad check character
    assert raw_row(db, student.id) is None


def test_the_database_holds_only_ciphertext_that_decrypts_back(
    app, client, login, db, student, identity_key
):
    login(student)
    assert give_id_number(client).status_code == 302
    row = raw_row(db, student.id)
    assert ID_NUMBER not in row.id_number_cipher
    assert ID_NUMBER[:14] not in row.id_number_cipher
    assert row.id_number_last4 == "002X"
    assert row.id_consent_at is not None
    with app.app_context():
        assert crypto.decrypt(row.id_number_cipher) == ID_NUMBER
    page = client.get("/profile/identity").data.decode()
    assert "**************002X" in page
    assert ID_NUMBER not in page


def test_withdrawing_consent_erases_the_number_from_the_database(
    client, login, db, student, identity_key
):
    login(student)
    give_id_number(client)
    client.post("/profile/identity", data={"national_number": "20250001"})
    assert client.post("/profile/identity/id-number/withdraw").status_code == 302
    row = raw_row(db, student.id)
    assert (row.id_number_cipher, row.id_number_last4, row.id_consent_at) == (None, None, None)
    assert row.national_number == "20250001"
    assert b'data-testid="id-number-form"' in client.get("/profile/identity").data


def test_pages_that_show_a_person_never_show_the_full_number(
    client, login, db, student, admin, identity_key
):
    login(student)
    give_id_number(client)
    pages = [
        "/profile",
        "/profile/identity",
        "/profile/data",
        "/profile/data.json",
        "/teams/profile",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert ID_NUMBER.encode() not in response.data, url
    assert b"**************002X" in client.get("/profile/data.json").data
    client.post("/logout")
    login(admin)
    staff_pages = [
        f"/admin/people/{student.id}",
        "/admin/people",
        "/admin/audit/",
        f"/admin/people/{student.id}/anonymise",
        f"/admin/points/people/{student.id}",
    ]
    for url in staff_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert ID_NUMBER.encode() not in response.data, url


def test_every_read_of_the_full_number_is_audited(app, db, student, admin, identity_key):
    with app.test_request_context():
        identity.save_id_number(student, ID_NUMBER, consent=True)
        other = factories.person(name="李四")
        assert identity.reveal_id_numbers(
            [student.id, other.id], actor=admin, purpose="batch 7"
        ) == {student.id: ID_NUMBER}
        db.session.commit()
    reads = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "natrecord.id_number_read")
    ).all()
    assert [(entry.actor_id, entry.note) for entry in reads] == [(admin.id, "batch 7")]


def test_anonymising_a_person_forgets_their_identity(app, db, student, admin, identity_key):
    with app.test_request_context():
        identity.save_national_number(student, "20250002")
        identity.save_id_number(student, ID_NUMBER, consent=True)
        anonymise.anonymise_person(
            student, actor=admin, confirmation=student.student_number, reason="毕业离校"
        )
        db.session.commit()
    assert raw_row(db, student.id) is None
    assert db.session.scalar(select(VolunteerIdentity)) is None


def test_a_backup_of_the_database_holds_no_readable_id_number(
    app, db, student, identity_key, tmp_path
):
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        pytest.skip("flask backup copies SQLite files; pg_dump copies the same ciphertext")
    with app.test_request_context():
        identity.save_id_number(student, ID_NUMBER, consent=True)
        db.session.commit()
        snapshot = backup.backup_database(url, tmp_path, keep=1)
    content = snapshot.read_bytes()
    assert ID_NUMBER.encode() not in content
    assert ID_NUMBER.encode("utf-16-le") not in content
