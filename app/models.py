"""Imports every feature's models, so metadata is complete wherever the app starts
(Alembic autogenerate, `create_all` in tests, string relationships)."""

from app.accounts import models as accounts_models  # noqa: F401
from app.admin import models as admin_models  # noqa: F401
from app.announcements import models as announcements_models  # noqa: F401
from app.api import models as api_models  # noqa: F401
from app.audit import models as audit_models  # noqa: F401
from app.checkin import models as checkin_models  # noqa: F401
from app.columns import models as columns_models  # noqa: F401
from app.credits import models as credits_models  # noqa: F401
from app.engagement import models as engagement_models  # noqa: F401
from app.feedback import models as feedback_models  # noqa: F401
from app.messages import models as messages_models  # noqa: F401
from app.natrecord import models as natrecord_models  # noqa: F401
from app.notifications import models as notifications_models  # noqa: F401
from app.outside import models as outside_models  # noqa: F401
from app.recruitment import models as recruitment_models  # noqa: F401
from app.rewards import models as rewards_models  # noqa: F401
from app.shifts import models as shifts_models  # noqa: F401
from app.stars import models as stars_models  # noqa: F401
from app.wechat import models as wechat_models  # noqa: F401
from jobs import models as jobs_models  # noqa: F401
