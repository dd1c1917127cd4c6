"""Schemathesis drives every operation of /api/v1/openapi.json against the app, as a
volunteer, a coordinator and an admin (each with a real token made through the services),
with a token lacking a scope, with a revoked one and with none: whatever it sends, the API
never answers 500 and every answer (status, media type, headers, body) is the documented one.

Examples are few and derandomized so the file runs in seconds, the same way on every CI run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config._checks import (
    NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES,
    NegativeDataRejectionConfig,
)
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.api import services as api
from app.api import systems
from app.recruitment import membership as members
from app.recruitment.access import active_coordinators
from app.shifts import signups
from tests.api.conftest import bearer
from tests.credits import batch_data, credits_data
from tests.shifts import signup_data

EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@dataclass
class Callers:
    """The Authorization headers to send each generated request with, and the one exported
    batch (so the file download is reached, not only its 404)."""

    headers: dict[str, dict[str, str]]
    batch_id: int
    # Path arguments naming real objects, so positive cases reach past "not found".
    real: dict[str, int]


def every_scope() -> list[str]:
    """Every scope a person's token may hold (hub:read is a system's only)."""
    return sorted(api.PERSONAL_SCOPES)


def secret_for(user, scopes: list[str] | None = None) -> str:
    new = api.create_token(user, name="模糊测试", scopes=scopes or every_scope(), days=30)
    return new.secret


@pytest.fixture(scope="session")
def api_schema(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # The callers' tokens are sent with every request, so the generator makes no Authorization
    # header of its own; unknown query arguments are ignored, as most APIs do, so none are sent.
    schema.config.generation.update(
        modes=["positive", "negative"],
        max_examples=EXAMPLES,
        deterministic=True,
        with_security_parameters=False,
        allow_extra_parameters=False,
    )
    # Schemathesis's list of rejections, and 413: a body past its fields' limits can also be
    # past the 64 KB any JSON body may be (a contribution's text in three-byte characters).
    schema.config.checks.negative_data_rejection = NegativeDataRejectionConfig(
        expected_statuses=[*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "413"]
    )
    return schema


@pytest.fixture
def callers(db) -> Callers:
    """A team with an exported batch (built by one coordinator, sent by the other), a
    volunteer who served, an admin, and a token of each; plus refused ones."""
    batch_data.seed()
    team = credits_data.team(name="图书馆志愿者队")
    desk = credits_data.task(team, title="总服务台值班")
    batch_data.coordinator(team, "陈老师")
    batch_data.coordinator(team, "李老师")
    builder, approver = active_coordinators(team.id)
    volunteer = credits_data.person("李明")
    batch_data.served(volunteer, task=desk)
    batch = batch_data.build(builder, team_id=team.id)
    batch_data.sent(batch, approver)
    admin = batch_data.admin()
    revoked = api.create_token(volunteer, name="旧脚本", scopes=every_scope(), days=7)
    headers = {
        "volunteer": bearer(secret_for(volunteer)),
        "coordinator": bearer(secret_for(builder)),
        "admin": bearer(secret_for(admin)),
        "profile only": bearer(secret_for(admin, scopes=["profile:read"])),
        "data hub": bearer(
            systems.register_system(admin, name="数据中台", scopes=["hub:read"]).secret
        ),
        "revoked": bearer(revoked.secret),
        "unknown": bearer("gc_" + "x" * 43),
        "none": {},
    }
    api.revoke_token(volunteer, revoked.token.id)
    real = {"batch_id": batch.id, **_shifts_of(volunteer)}
    db.session.commit()
    return Callers(headers=headers, batch_id=batch.id, real=real)


def _shifts_of(volunteer) -> dict[str, int]:
    """The volunteer in a team with a coming shift and a sign-up for another one."""
    team = signup_data.team()
    membership = members.join_team(team.id, volunteer.id)
    membership.onboarded = True
    task = signup_data.task(team)
    shift, signed = signup_data.shift(task), signup_data.shift(task, starts_in=timedelta(days=3))
    signup = signups.sign_up(signed, volunteer)
    return {"shift_id": shift.id, "signup_id": signup.id}


def is_positive(case) -> bool:
    """A request as documented: the right method, every required part present and valid."""
    return case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_documented(case, callers):
    # Bad arguments are tried with one good token and with none; good ones by everybody.
    who = callers.headers if is_positive(case) else ("volunteer", "none")
    for name in who:
        headers = {**callers.headers[name], "Accept-Language": "en"}
        case.call_and_validate(headers=headers, checks=CHECKS)
    named = set(case.path_parameters or {}) & set(callers.real)
    if named and is_positive(case):
        case.path_parameters = {**case.path_parameters, **{n: callers.real[n] for n in named}}
        for headers in callers.headers.values():
            case.call_and_validate(headers=headers, checks=CHECKS)
    if "batch_id" in (case.path_parameters or {}) and is_positive(case):
        case.path_parameters = {**case.path_parameters, "batch_id": callers.batch_id}
        statuses = {
            name: case.call_and_validate(headers=headers, checks=CHECKS).status_code
            for name, headers in callers.headers.items()
        }
        # The batch's coordinator and an admin download it; a volunteer is told "not found".
        assert (statuses["coordinator"], statuses["admin"], statuses["volunteer"]) == (
            200,
            200,
            404,
        )


# Regressions the fuzzing found


@pytest.mark.parametrize("page", ["10001", "94992610906192461430784"])
def test_a_page_number_too_large_for_the_database_is_400_not_500(client, callers, page):
    answer = client.get(
        f"/api/v1/me/tokens?page={page}",
        headers={**callers.headers["volunteer"], "Accept-Language": "en"},
    )
    assert answer.status_code == 400
    assert answer.json["code"] == "invalid_input"
    assert "page must be between 1 and 10000" in answer.json["detail"]


@pytest.mark.parametrize("value", ["", " 5", "5_0", "٣", "9" * 5000])
def test_a_blank_or_odd_number_is_400_not_silently_read(client, callers, value):
    answer = client.get(
        "/api/v1/me/tokens", query_string={"per_page": value}, headers=callers.headers["admin"]
    )
    assert answer.status_code == 400
    assert answer.json["code"] == "invalid_input"


def test_the_last_allowed_page_is_an_empty_list(client, callers):
    answer = client.get(
        "/api/v1/credit-batches?page=10000&per_page=100", headers=callers.headers["admin"]
    )
    assert answer.status_code == 200
    assert answer.json["data"] == [] and answer.json["meta"]["total"] == 1


@pytest.mark.parametrize("batch_id", [2**31, 1567875907564787204096])
def test_an_id_larger_than_any_database_id_is_404_not_500(client, callers, batch_id):
    answer = client.get(f"/api/v1/credit-batches/{batch_id}/file", headers=callers.headers["admin"])
    assert answer.status_code == 404
    assert answer.json["code"] == "not_found"


def test_a_page_with_an_id_too_large_for_the_database_is_404_not_500(client, login, admin):
    login(admin)
    assert client.get("/admin/people/10000000000000000000000").status_code == 404
    assert client.get("/admin/people/2147483647").status_code == 404
