"""Pages of a list: links between them keeping the list's filters, and a page of a list
held in memory."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request, url_for


def page_url(page: int) -> str:
    args = {**(request.view_args or {}), **request.args.to_dict(), "page": page}
    return url_for(request.endpoint, **args)


def register_pagination(app: Flask) -> None:
    app.jinja_env.globals["page_url"] = page_url


@dataclass
class ListPage:
    """A page of an in-memory list, shaped like Flask-SQLAlchemy's pagination for the
    `_pagination.html` macro."""

    items: list
    page: int
    per_page: int
    total: int

    @classmethod
    def of(cls, items: list, page: int, per_page: int) -> ListPage:
        pages = max((len(items) + per_page - 1) // per_page, 1)
        page = min(max(page, 1), pages)
        start = (page - 1) * per_page
        return cls(items[start : start + per_page], page, per_page, len(items))

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
