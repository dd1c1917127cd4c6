"""Every message in the code and templates has a Chinese translation, and pages use it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def source_messages() -> set[tuple[str, str | None]]:
    """(message, context) of every message in the code and templates."""
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add((message[0] if isinstance(message, tuple) else message, context))
    return found


def catalogue(locale: str):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=locale)


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_every_source_message_is_in_the_catalogue(locale):
    translations = catalogue(locale)
    missing = sorted(
        message
        for message, context in source_messages()
        if not (entry := translations.get(message, context=context))
        or not entry.string
        or entry.fuzzy
    )
    assert missing == [], f"untranslated (run `make extract-messages` and translate): {missing}"


def test_translations_keep_their_placeholders():
    wrong = [
        message.id
        for message in catalogue("zh")
        if message.id
        and isinstance(message.id, str)
        and sorted(PLACEHOLDER.findall(message.id)) != sorted(PLACEHOLDER.findall(message.string))
    ]
    assert wrong == []


def test_pages_are_chinese_by_default_and_english_on_request(client):
    assert "登录" in client.get("/login").get_data(as_text=True)
    client.post("/locale", data={"locale": "en", "next": "/login"})
    english = client.get("/login").get_data(as_text=True)
    assert "Log in" in english and 'lang="en"' in english


def test_error_pages_speak_the_users_language(client):
    chinese = client.get("/no-such-page")
    assert chinese.status_code == 404 and "页面不存在" in chinese.get_data(as_text=True)
    client.post("/locale", data={"locale": "en"})
    english = client.get("/no-such-page").get_data(as_text=True)
    assert "Page not found" in english
