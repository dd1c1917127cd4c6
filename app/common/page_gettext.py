"""Templates' _() with one translations look-up per request and language, not per string;
WTForms' messages with one catalogue load per process and language, not per request.

Flask-Babel's Jinja callables resolve the domain, the locale and the translations cache for
every string (three trips through `g` each), about a fifth of a list page's time for its
~200 strings. Here the translations object is kept on `g` beside the locale object it was
made for: a different locale object (`force_locale` for an e-mail in the recipient's
language, `refresh()` after a language change) looks it up again, so answers do not change.
"""

from __future__ import annotations

import functools

from babel.support import NullTranslations, Translations
from flask import Flask, current_app, has_request_context
from flask.globals import _cv_app
from flask_babel import get_locale, get_translations
from flask_wtf import i18n as flask_wtf_i18n
from wtforms.i18n import messages_path


def _translations() -> NullTranslations:
    # The app context straight from its context variable: through the `g` proxy each
    # look-up costs as much as the one it saves.
    context = _cv_app.get(None)
    if context is None:
        return get_translations()
    kept = context.g.__dict__
    locale = getattr(kept.get("_flask_babel"), "babel_locale", None)
    pair = kept.get("_page_translations")
    if pair is not None and locale is not None and pair[0] is locale:
        return pair[1]
    translations = get_translations()
    locale = getattr(kept.get("_flask_babel"), "babel_locale", None)
    kept["_page_translations"] = (locale, translations)
    return translations


def install(app: Flask) -> None:
    """Replace Flask-Babel's template gettext callables (after `babel.init_app`)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    install_wtforms()


def _wtforms_translations():
    """WTForms' own messages in the request's language, loaded once per process and
    language: Flask-WTF reads and parses its catalogue file again for every request that
    builds a form (a fifth of a small page's time), though the file never changes."""
    if not has_request_context() or "babel" not in current_app.extensions:
        return None
    return _wtforms_catalogue(str(get_locale()))


@functools.cache
def _wtforms_catalogue(locale: str) -> Translations:
    return Translations.load(messages_path(), [locale], domain="wtforms")


def install_wtforms() -> None:
    """Flask-WTF's look-up of its translations replaced by the cached one (its
    `Translations` object calls the module's `_get_translations` on every message)."""
    flask_wtf_i18n._get_translations = _wtforms_translations
