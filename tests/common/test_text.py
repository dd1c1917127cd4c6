"""Typed text is trimmed, required or optional, and refused past its limit with the caller's
own message on the caller's field."""

from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from app.common.text import clean_line, clean_text
from app.errors import InvalidInput

pytestmark = pytest.mark.usefixtures("english_messages")

TOO_LONG = _l("The reason is longer than %(n)d characters.", n=5)
REASON = _l("Please give a reason.")


def test_text_is_trimmed_and_kept_within_the_limit():
    assert clean_text("  a  b \n", field="reason", limit=5, too_long=TOO_LONG) == "a  b"


def test_a_line_has_every_run_of_white_space_folded_into_one_space():
    assert clean_line(" a \n\t b ", field="reason", limit=3, too_long=TOO_LONG) == "a b"


def test_a_line_is_measured_after_folding():
    with pytest.raises(InvalidInput):
        clean_line(" a \n\t bc ", field="reason", limit=3, too_long=TOO_LONG)


def test_optional_text_may_be_empty():
    assert clean_text(None, field="reason", limit=5, too_long=TOO_LONG) == ""
    assert clean_text("  ", field="reason", limit=5, too_long=TOO_LONG) == ""


def test_required_text_is_refused_with_the_missing_message_on_its_field():
    with pytest.raises(InvalidInput) as refused:
        clean_text(" \n", field="reason", limit=5, too_long=TOO_LONG, missing=_l("Say why."))
    assert (refused.value.message, refused.value.field) == ("Say why.", "reason")


def test_too_long_text_is_refused_with_the_limit_in_the_message():
    with pytest.raises(InvalidInput) as refused:
        clean_text("abcdef", field="reason", limit=5, too_long=TOO_LONG, missing="Say why.")
    assert refused.value.message == "The reason is longer than 5 characters."
    assert refused.value.field == "reason"


def test_messages_are_translated_when_they_are_raised():
    with force_locale("zh"), pytest.raises(InvalidInput) as refused:
        clean_text(
            "", field="reason", limit=5, too_long=TOO_LONG, missing=_l("Please give a reason.")
        )
    with force_locale("zh"):
        assert refused.value.message == gettext("Please give a reason.")
    assert refused.value.message != "Please give a reason."


def test_without_its_own_message_too_long_text_is_told_the_limit():
    with pytest.raises(InvalidInput) as refused:
        clean_line("abcdef", field="name", limit=5)
    assert refused.value.message == "This can be at most 5 characters long."
    assert refused.value.field == "name"
