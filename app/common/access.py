"""One decorator for role checks in views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def role_required(*roles: str) -> Callable:
    """Logged-in people holding any of `roles` pass; others get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_any_role(roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
