"""Load the demo data once, through the accounts services."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import User
from app.demo.data import COLLEGES, DEMO_ACCOUNTS, DEMO_PASSWORD, GIVEN_CHARS, SURNAMES
from app.extensions import db

PEOPLE_COUNT = 200


def demo_loaded() -> bool:
    return bool(db.session.scalar(select(func.count(User.id))))


def load_demo_data(*, seed: int = 2026, people: int = PEOPLE_COUNT) -> int:
    """Create colleges, majors and people; returns how many people were created.

    Does nothing when people exist already, so `make run` can call it every time.
    """
    if demo_loaded():
        return 0
    rng = random.Random(seed)
    majors = []
    for code, name, major_names in COLLEGES:
        college = accounts.get_or_create_college(code, name)
        majors += [accounts.get_or_create_major(college, m) for m in major_names]
    created = 0
    for number, name, roles, user_type, email, _label in DEMO_ACCOUNTS:
        major = rng.choice(majors)
        fields = accounts.PersonFields(
            student_number=number,
            name=name,
            email=email,
            user_type=user_type,
            college_id=major.college_id,
            major_id=major.id if user_type != "staff" else None,
            enrolment_year=int(number[:4]) if number[:4].isdigit() else None,
            phone=f"138{rng.randrange(10**8):08d}",
        )
        accounts.create_person(
            fields, password=DEMO_PASSWORD, roles=roles, must_change_password=False
        )
        created += 1
    shared_hash = accounts.hash_password(DEMO_PASSWORD)
    names_seen = set()
    while created < people:
        year = rng.choice([2022, 2023, 2024, 2025])
        major = rng.choice(majors)
        name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN_CHARS, rng.choice([1, 2])))
        number = f"{year}14{created:04d}"
        if name in names_seen and rng.random() < 0.7:
            continue
        names_seen.add(name)
        roles = ["volunteer"] if rng.random() < 0.55 else []
        fields = accounts.PersonFields(
            student_number=number,
            name=name,
            email=f"{number}@stu.demo.gongchuang.cn",
            user_type="postgraduate" if rng.random() < 0.15 else "undergraduate",
            college_id=major.college_id,
            major_id=major.id,
            enrolment_year=year,
            phone=f"13{rng.randrange(10**9):09d}",
        )
        accounts.create_person(
            fields,
            password=DEMO_PASSWORD,
            password_hash=shared_hash,
            roles=roles,
            must_change_password=False,
        )
        created += 1
    return created


def demo_logins() -> list[tuple[str, str, str]]:
    """(login, password, what it shows) for the README and `make run`."""
    return [
        (number, DEMO_PASSWORD, f"{name} · {label}") for number, name, *_, label in DEMO_ACCOUNTS
    ]
