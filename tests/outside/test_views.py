"""Hours served elsewhere through HTTP: the claim form (with its file), My hours' own
section, the coordinators' list and decision, and the evidence file for those allowed."""

from __future__ import annotations

import io

from sqlalchemy import select

from app.common.time import local_today
from app.extensions import db
from app.outside.models import OutsideClaim
from tests.helpers import page
from tests.outside import outside_data


def _form(**fields):
    return {
        "organiser": "望江社区",
        "served_on": local_today().isoformat(),
        "hours": "2.5",
        "description": "陪老人读书",
        "evidence": (io.BytesIO(outside_data.PDF), "证明.pdf"),
        **fields,
    }


def test_a_volunteer_claims_and_sees_the_claim_on_my_hours(client, login):
    world = outside_data.world(people=1)
    db.session.commit()
    login(world.people[0])
    assert client.get("/hours/elsewhere/new").status_code == 200
    sent = client.post("/hours/elsewhere/new", data=_form(), content_type="multipart/form-data")
    assert sent.status_code == 302
    claim = db.session.scalar(select(OutsideClaim))
    assert claim.claimed_minutes == 150 and claim.evidence_name == "证明.pdf"
    mine = page(client.get("/hours"))
    assert f'data-testid="outside-claim-{claim.id}" data-status="pending"' in mine
    assert 'data-testid="outside-hours">0<' in mine
    download = client.get(f"/hours/elsewhere/{claim.id}/evidence")
    assert download.status_code == 200 and download.data == outside_data.PDF


def test_bad_claims_are_shown_again_with_the_field_marked(client, login):
    world = outside_data.world(people=1)
    db.session.commit()
    login(world.people[0])
    future = client.post(
        "/hours/elsewhere/new",
        data=_form(served_on="2999-01-01"),
        content_type="multipart/form-data",
    )
    assert future.status_code == 400 and "is-invalid" in page(future)
    wrong = client.post(
        "/hours/elsewhere/new",
        data=_form(evidence=(io.BytesIO(b"GIF89a" + b"\0" * 40), "a.pdf")),
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 400 and 'data-testid="evidence-error"' in page(wrong)
    absurd = client.post(
        "/hours/elsewhere/new", data=_form(hours="30"), content_type="multipart/form-data"
    )
    assert absurd.status_code == 400
    assert db.session.scalar(select(OutsideClaim)) is None


def test_the_coordinator_changes_the_hours_and_the_volunteer_sees_both(client, login):
    world = outside_data.world(people=2)
    claim = outside_data.claim(world.people[0], hours="5")
    db.session.commit()
    login(world.boss)
    listed = page(client.get("/hours/elsewhere/review"))
    assert f'data-testid="claim-{claim.id}"' in listed
    assert 'data-testid="waiting-outside_claims"' in page(client.get("/"))
    client.post(
        f"/hours/elsewhere/{claim.id}/decide",
        data={"decision": "change", "hours": "4", "reason": "只算服务时段"},
    )
    db.session.expire_all()
    assert (claim.status, claim.approved_minutes) == ("approved", 240)
    client.post("/logout")
    login(world.people[0])
    mine = page(client.get("/hours"))
    assert 'data-testid="outside-hours">4<' in mine
    assert 'data-testid="approved-hours"' in mine and "只算服务时段" in mine
    other = world.people[1]
    client.post("/logout")
    login(other)
    assert client.get(f"/hours/elsewhere/{claim.id}/evidence").status_code == 404


def test_another_teams_coordinator_cannot_decide(client, login):
    world = outside_data.world(people=1)
    claim = outside_data.claim(world.people[0])
    db.session.commit()
    login(world.other_boss)
    assert f'data-testid="claim-{claim.id}"' not in page(client.get("/hours/elsewhere/review"))
    answer = client.post(f"/hours/elsewhere/{claim.id}/decide", data={"decision": "approve"})
    assert answer.status_code == 404
    db.session.expire_all()
    assert claim.status == "pending"
