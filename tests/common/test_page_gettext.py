"""Templates' _() keeps one translations object a request, yet still follows the language:
an e-mail rendered with `force_locale` for its recipient, then the page again."""

from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale, gettext

from app.recruitment import membership
from tests import factories
from tests.checkin import checkin_data as data

MSGID = "Everyone"


def test_a_page_switches_language_inside_and_back_outside_force_locale(app):
    with app.test_request_context("/"):
        chinese = gettext(MSGID)
        assert chinese != MSGID  # the Chinese catalogue has it
        assert render_template_string("{{ _(m) }}", m=MSGID) == chinese
        with force_locale("en"):
            assert render_template_string("{{ _(m) }}", m=MSGID) == MSGID
        assert render_template_string("{{ _(m) }}", m=MSGID) == chinese


def test_memberships_loaded_once_a_page_still_show_a_team_joined_since(db):
    person = factories.person(roles=["volunteer"])
    assert membership.memberships_of(person.id) == []

    team = data.team()
    membership.join_team(team.id, person.id)

    assert [m.team_id for m in membership.memberships_of(person.id)] == [team.id]
