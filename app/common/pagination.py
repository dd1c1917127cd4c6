"""Links between pages of a list, keeping the list's filters."""

from __future__ import annotations

from flask import Flask, request, url_for


def page_url(page: int) -> str:
    args = {**(request.view_args or {}), **request.args.to_dict(), "page": page}
    return url_for(request.endpoint, **args)


def register_pagination(app: Flask) -> None:
    app.jinja_env.globals["page_url"] = page_url
