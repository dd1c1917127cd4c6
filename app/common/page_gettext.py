"""Templates' _() with one translations look-up per request and language, not per string.

Flask-Babel's Jinja callables resolve the domain, the locale and the translations cache for
every string (three trips through `g` each), about a fifth of a list page's time for its
~200 strings. Here the translations object is kept on `g` beside the locale object it was
made for: a different locale object (`force_locale` for an e-mail in the recipient's
language, `refresh()` after a language change) looks it up again, so answers do not change.
"""

from __future__ import annotations

from babel.support import NullTranslations
from flask import Flask
from flask.globals import _cv_app
from flask_babel import get_translations


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
