"""The parts of every page that are the same for everyone of one language and role set
(the menu, the stylesheet and script links, the footer), rendered once per process and
kept, not rebuilt for every request.

The menu alone made about 30 translation look-ups and 30 `url_for` calls on every page,
a third of a small page's time. A part is a template under `templates/chrome/` rendered
with only the values passed here (no request context, no `current_user`, no CSRF token),
so its markup is decided by those values, the language and the address the app is
mounted at, which make the key. Anything personal stays in base.html.
"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import get_locale
from markupsafe import Markup

# Keys are few (two languages, four role sets, a coordinator's unanswered count); the
# bound only guards against a count that keeps changing.
MOST_KEPT = 512


def chrome(name: str, **values: object) -> Markup:
    """The markup of `templates/chrome/<name>.html` for `values`, in the request's language."""
    key = (name, str(get_locale()), request.script_root, tuple(sorted(values.items())))
    kept: dict = current_app.extensions.setdefault("page_chrome", {})
    markup = kept.get(key)
    if markup is None:
        template = current_app.jinja_env.get_template(f"chrome/{name}.html")
        markup = Markup(template.render(**values))
        if len(kept) >= MOST_KEPT:
            kept.clear()
        kept[key] = markup
    return markup


def install(app) -> None:
    app.jinja_env.globals["chrome"] = chrome
