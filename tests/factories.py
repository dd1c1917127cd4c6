"""Build test data through the services, as the app itself would."""

from __future__ import annotations

import itertools
from datetime import datetime

from app.accounts import services as accounts
from app.accounts.models import College, Major, User
from app.admin import datahub, import_runs, roster
from app.admin.models import DataHubSource, ImportRun
from app.api import systems as api_systems
from app.api import webhooks as api_webhooks
from app.api.models import WebhookDelivery, WebhookSubscription
from app.extensions import db

PASSWORD = "correct-horse-9"
_numbers = itertools.count(1)


def college(code: str = "08", name: str = "计算机学院", majors=("软件工程",)) -> College:
    college = accounts.get_or_create_college(code, name)
    for major in majors:
        accounts.get_or_create_major(college, major)
    return college


def major(college_obj: College, name: str = "软件工程") -> Major:
    return accounts.get_or_create_major(college_obj, name)


def person(
    *,
    roles=(),
    name: str = "测试用户",
    student_number: str | None = None,
    email: str | None = None,
    password: str = PASSWORD,
    must_change_password: bool = False,
    **fields,
) -> User:
    number = student_number or f"2024{next(_numbers):06d}"
    data = accounts.PersonFields(
        student_number=number,
        name=name,
        email=email if email is not None else f"{number}@example.edu.cn",
        **fields,
    )
    return accounts.create_person(
        data, password=password, roles=list(roles), must_change_password=must_change_password
    )


def datahub_source(actor: User, **fields) -> DataHubSource:
    """A roster source of the campus data hub, not pulled on schedule unless asked."""
    values = {
        "name": "教务处名单",
        "kind": "roster",
        "url": "https://hub.example.edu.cn/roster",
        "token": "secret",
        "mapping_text": "student_number=xh\nname=xm",
        "hour": 3,
        "enabled": False,
        **fields,
    }
    return datahub.save_source(None, datahub.SourceFields(**values), actor=actor)


def queued_roster_import(actor: User, data: bytes | None = None) -> ImportRun:
    """A roster file an admin previewed and confirmed as a job, waiting for the job runner."""
    data = data or "学号,姓名\n2025990001,新生\n".encode()
    _plan, token = roster.preview_import(data, "名单.csv", actor=actor)
    return import_runs.queue_roster_import(token, actor=actor)


def failed_webhook(actor: User, now: datetime) -> WebhookDelivery:
    """A registered system with a webhook (made directly: subscribing resolves its host)
    and a delivery that failed with an answer, for the pages of systems."""
    system = api_systems.register_system(actor, name="第二课堂系统", scopes=["credits:read"]).system
    subscription = WebhookSubscription(
        system_id=system.id,
        url="https://dekt.example.edu.cn/hooks",
        events="attendance.verified hours.changed",
        encrypted_secret=api_webhooks.seal("whsec_example"),
        created_at=now,
    )
    db.session.add(subscription)
    db.session.flush()
    delivery = WebhookDelivery(
        subscription_id=subscription.id,
        event="attendance.verified",
        event_id="00000000-0000-0000-0000-000000000001",
        payload={},
        status="failed",
        attempts=5,
        last_status=503,
        last_answer="Service Unavailable",
        last_error="bad_status 503",
        created_at=now,
    )
    db.session.add(delivery)
    db.session.flush()
    return delivery
