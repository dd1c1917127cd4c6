"""Checking an applicant's answers to a campaign's questions and the consent box."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.errors import InvalidInput
from app.recruitment.models import DAY_PARTS, WEEKDAYS, Campaign, CampaignQuestion

SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 2_000
# Where an AnswersInvalid puts the error about the consent box.
CONSENT_KEY = "consent"


class AnswersInvalid(InvalidInput):
    """Some answers are missing or wrong; `errors` maps a question id (as a string) to the
    message for that question."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(_("Please check your answers: %(n)d need attention.", n=len(errors)))
        self.errors = errors
        if list(errors) == [CONSENT_KEY]:
            self.message = errors[CONSENT_KEY]
            self.field = CONSENT_KEY


def _clean_answer(question: CampaignQuestion, raw: Any) -> tuple[Any, str | None]:
    """(the answer to store, or None when unanswered; an error message or None)."""
    kind = question.kind
    if raw is None or raw == "":
        return None, None
    if kind in ("short_text", "long_text", "single_choice"):
        if not isinstance(raw, str):
            return None, _("Please answer with text.")
        text = raw.strip()
        if kind == "single_choice":
            if text and text not in question.options:
                return None, _("Please choose one of the options.")
            return text or None, None
        limit = SHORT_TEXT_MAX if kind == "short_text" else LONG_TEXT_MAX
        if len(text) > limit:
            return None, _("At most %(n)d characters, please.", n=limit)
        return text or None, None
    if kind == "multiple_choice":
        if not isinstance(raw, list | tuple) or any(
            not isinstance(item, str) or item not in question.options for item in raw
        ):
            return None, _("Please choose among the options.")
        # In the order of the options, each once.
        answer = [option for option in question.options if option in raw]
        return answer or None, None
    # availability: {"mon": ["morning", ...], ...}
    if not isinstance(raw, dict):
        return None, _("Please use the weekly grid.")
    grid: dict[str, list[str]] = {}
    for day, parts in raw.items():
        if (
            day not in WEEKDAYS
            or not isinstance(parts, list | tuple)
            or any(part not in DAY_PARTS for part in parts)
        ):
            return None, _("Please use the weekly grid.")
    for day in WEEKDAYS:
        chosen = [part for part in DAY_PARTS if part in raw.get(day, ())]
        if chosen:
            grid[day] = chosen
    return grid or None, None


def clean_answers(campaign: Campaign, raw: dict[str, Any]) -> dict[str, Any]:
    """The answers to store, keyed by question id (as a string); AnswersInvalid lists every
    question that needs attention. Answers to unknown questions are dropped."""
    raw = raw or {}
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in campaign.questions:
        key = str(question.id)
        answer, error = _clean_answer(question, raw.get(key))
        if error is None and answer is None and question.required:
            error = _("This question needs an answer.")
        if error is not None:
            errors[key] = error
        elif answer is not None:
            answers[key] = answer
    if errors:
        raise AnswersInvalid(errors)
    return answers


def checked_answers(campaign: Campaign, answers: dict[str, Any], consent: bool) -> dict:
    """The cleaned answers; AnswersInvalid names every question that needs attention, and
    the consent box (under CONSENT_KEY) when the campaign asks for consent and it is not
    ticked."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    try:
        cleaned = clean_answers(campaign, answers)
    except AnswersInvalid as error:
        errors.update(error.errors)
    if campaign.consent_text and not consent:
        errors[CONSENT_KEY] = _("Please tick the consent statement to apply.")
    if errors:
        raise AnswersInvalid(errors)
    return cleaned
