"""Properties of the rotating check-in codes (app.checkin.tokens), for any id and time: a
code reads back as what it names during its own period and the next; any other code —
tampered, cut short, signed with another key, of the other kind, naming another shift or
person, expired, or plain junk — is refused with `CodeError`, never another exception."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.checkin import tokens
from app.checkin.tokens import CodeError
from tests.checkin import checkin_data

# The autouse `db` fixture is per test, not per example: these properties touch no rows.
PROPERTY = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
KINDS = st.sampled_from(["kiosk", "personal"])
IDS = st.integers(min_value=1, max_value=2**31 - 1)
TIMES = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def refusal(kind: str, code: str, now: datetime) -> str:
    """The reason `code` is refused; fails the test if it is accepted."""
    with pytest.raises(CodeError) as refused:
        tokens.read_code(kind, code, now=now)
    return refused.value.reason


@contextmanager
def secret_key(app, key: str):
    old = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = key
    try:
        yield
    finally:
        app.config["SECRET_KEY"] = old


@PROPERTY
@given(kind=KINDS, subject_id=IDS, made=TIMES, later=st.integers(0, 29))
def test_a_code_reads_back_as_its_subject_within_its_period(kind, subject_id, made, later):
    code = tokens.make_code(kind, subject_id, now=made)
    read_at = made + timedelta(seconds=later)

    read = tokens.read_code(kind, code, now=read_at)

    assert read.subject_id == subject_id
    assert read.window == tokens.window_of(made)
    # Scanners may send it in lower case or with spaces around it.
    assert tokens.read_code(kind, f"  {code.lower()}\n", now=read_at) == read


@PROPERTY
@given(kind=KINDS, subject_id=IDS, made=TIMES, delay=st.integers(-600, 600))
def test_a_code_is_accepted_in_its_window_and_the_next_only(kind, subject_id, made, delay):
    code = tokens.make_code(kind, subject_id, now=made)
    read_at = made + timedelta(seconds=delay)
    windows_later = tokens.window_of(read_at) - tokens.window_of(made)

    if windows_later in (0, 1):
        assert tokens.read_code(kind, code, now=read_at).subject_id == subject_id
    else:
        with pytest.raises(CodeError) as refused:
            tokens.read_code(kind, code, now=read_at)
        assert refused.value.reason == "expired"
        assert refused.value.subject_id == subject_id


@PROPERTY
@given(kind=KINDS, subject_id=IDS, now=TIMES, data=st.data())
def test_a_code_with_any_character_of_its_signature_changed_is_forged(kind, subject_id, now, data):
    code = tokens.make_code(kind, subject_id, now=now)
    head, signature = code.rsplit(".", 1)
    at = data.draw(st.integers(0, len(signature) - 1), label="position")
    other = data.draw(
        st.characters(codec="utf-8").filter(lambda c: c.upper() != signature[at]),
        label="replacement",
    )
    tampered = f"{head}.{signature[:at]}{other}{signature[at + 1 :]}"

    assert refusal(kind, tampered, now) in ("forged", "malformed")


@PROPERTY
@given(kind=KINDS, subject_id=IDS, now=TIMES, data=st.data())
def test_a_code_cut_short_is_refused(kind, subject_id, now, data):
    code = tokens.make_code(kind, subject_id, now=now)
    length = data.draw(st.integers(0, len(code) - 1), label="length")

    assert refusal(kind, code[:length], now) in ("malformed", "forged")


@PROPERTY
@given(kind=KINDS, subject_id=IDS, now=TIMES, key=st.text(min_size=1, max_size=40))
def test_a_code_signed_with_another_key_is_forged(app, kind, subject_id, now, key):
    with secret_key(app, key):
        code = tokens.make_code(kind, subject_id, now=now)
    if key == app.config["SECRET_KEY"]:
        return
    assert refusal(kind, code, now) == "forged"


@PROPERTY
@given(subject_id=IDS, now=TIMES)
def test_a_kiosk_code_is_not_a_personal_code_and_back(subject_id, now):
    shift_code = tokens.kiosk_code(subject_id, now=now)
    person_code = tokens.personal_code(subject_id, now=now)

    assert shift_code != person_code
    with pytest.raises(CodeError, match="forged"):
        tokens.read_personal_code(shift_code, now=now)
    with pytest.raises(CodeError, match="forged"):
        tokens.read_kiosk_code(person_code, now=now)


@PROPERTY
@given(kind=KINDS, subject_id=IDS, other_id=IDS, now=TIMES)
def test_a_code_of_one_shift_or_person_does_not_name_another(kind, subject_id, other_id, now):
    if other_id == subject_id:
        return
    _id, window, signature = tokens.make_code(kind, subject_id, now=now).split(".")

    with pytest.raises(CodeError) as refused:
        tokens.read_code(kind, f"{other_id}.{window}.{signature}", now=now)
    assert refused.value.reason == "forged"
    assert refused.value.subject_id == other_id


JUNK = st.one_of(
    st.text(),
    st.builds(
        lambda a, b, c: f"{a}.{b}.{c}",
        st.text(st.characters(categories=["Nd", "No"]) | st.sampled_from("0123456789")),
        st.text(st.characters(categories=["Nd", "No"]) | st.sampled_from("0123456789")),
        st.text() | st.text(alphabet=BASE32, min_size=16, max_size=16),
    ),
    st.integers(4000, 6000).map(lambda digits: f"{'9' * digits}.1.{'A' * 16}"),
)


@PROPERTY
@given(kind=KINDS, code=JUNK, now=TIMES)
def test_any_text_is_read_or_refused_with_a_reason_never_a_crash(kind, code, now):
    try:
        read = tokens.read_code(kind, code, now=now)
    except CodeError as refused:
        assert refused.reason in ("malformed", "forged", "expired")
    else:
        # Junk that happens to be genuine can only be the code this key made for it.
        assert tokens.make_code(kind, read.subject_id, now=now).endswith(code.split(".")[2])


# Regressions the properties found


@pytest.mark.parametrize(
    "code", ["².1.AAAAAAAAAAAAAAAA", "9" * 5000 + ".1.A", "1.1.ÉAAAAAAAAAAAAAAA"]
)
def test_a_code_with_odd_digits_or_letters_is_malformed_not_a_crash(code):
    assert refusal("kiosk", code, datetime(2026, 12, 6)) == "malformed"


def test_scanning_a_code_with_a_non_ascii_signature_says_it_is_no_check_in_code(client, login, db):
    person = checkin_data.member(checkin_data.team(), name="李雷")
    db.session.commit()
    login(person)

    response = client.get("/c/1.1.%C3%89AAAAAAAAAAAAAAA", headers={"Accept-Language": "en"})

    assert response.status_code == 200
    assert 'data-reason="malformed"' in response.get_data(as_text=True)
