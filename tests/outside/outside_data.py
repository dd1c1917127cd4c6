"""Hours served elsewhere test data: a team with a coordinator and members, another team's
coordinator, and evidence files of each kind."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

from werkzeug.datastructures import FileStorage

from app.accounts.models import User
from app.outside import services
from app.outside.models import OutsideClaim
from app.recruitment.models import Team
from tests.checkin import checkin_data

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
NOW = datetime(2026, 11, 20, 4, 0)  # 12:00 in Shanghai
TODAY = date(2026, 11, 20)


@dataclass
class World:
    team: Team
    boss: User
    other_boss: User
    people: list[User]


def world(people: int = 2, team_names: tuple[str, str] = ("阅览室志愿者队", "古籍修复队")) -> World:
    team = checkin_data.team(name=team_names[0])
    other = checkin_data.team(name=team_names[1])
    boss = checkin_data.coordinator(team, name="A队老师")
    other_boss = checkin_data.coordinator(other, name="B队老师")
    members = [checkin_data.member(team, name=f"志愿者{n}") for n in range(1, people + 1)]
    return World(team, boss, other_boss, members)


def upload(data: bytes = PDF, name: str = "证明.pdf") -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name)


def claim(
    person: User, *, hours: object = "3", day: date = TODAY, now: datetime = NOW, **fields
) -> OutsideClaim:
    values = {"organiser": "望江社区", "served_on": day, "hours": hours, **fields}
    return services.claim(person, services.ClaimFields(**values), upload=upload(), now=now)
