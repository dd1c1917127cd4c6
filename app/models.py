"""Imports every feature's models, so metadata is complete wherever the app starts
(Alembic autogenerate, `create_all` in tests, string relationships)."""

from app.accounts import models as accounts_models  # noqa: F401
from app.audit import models as audit_models  # noqa: F401
