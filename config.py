"""Configuration classes, read from environment variables.

`create_app()` picks one by `GONGCHUANG_CONFIG` (development, testing, production);
every value can be overridden by the environment variable of the same name.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"
DEFAULT_SECRET = "dev-only-secret-change-me"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _pairs(name: str, default: str = "") -> dict[str, str]:
    """A variable of "key=value,key=value" pairs (e.g. "loans=3,visits=1") as a dict."""
    pairs = (part.split("=", 1) for part in os.environ.get(name, default).split(",") if "=" in part)
    return {key.strip(): value.strip() for key, value in pairs}


def _star_hours(name: str, default: str = "100,300,600,1000,1500") -> tuple[int, ...]:
    """Hours for one to five service stars: five increasing whole numbers, else the app
    refuses to start (a wrong setting must not hand out stars)."""
    hours = tuple(int(part) for part in os.environ.get(name, default).split(","))
    if len(hours) != 5 or hours[0] <= 0 or list(hours) != sorted(set(hours)):
        raise ValueError(f"{name} must be five increasing whole numbers of hours")
    return hours


def _list(name: str) -> list[str]:
    """A comma-separated variable as a list, without blanks."""
    return [part.strip() for part in os.environ.get(name, "").split(",") if part.strip()]


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'gongchuang.sqlite'}"
    )
    # No ping before every request (a round trip each on PostgreSQL): a pooled connection is
    # pinged only when it lay unused longer than this (app/common/connections.py), and none
    # is kept longer than half an hour.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_recycle": 1800}
    DATABASE_PING_AFTER_SECONDS = float(os.environ.get("DATABASE_PING_AFTER_SECONDS", "10"))
    # How long a write waits for another one's lock before the request answers 503 "busy,
    # try again": SQLite's busy timeout, PostgreSQL's lock_timeout (0: wait for ever).
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "10000"))
    POSTGRES_LOCK_TIMEOUT_MS = int(os.environ.get("POSTGRES_LOCK_TIMEOUT_MS", "10000"))
    TIMEZONE = os.environ.get("TIMEZONE", "Asia/Shanghai")
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    # The largest request body (uploads included); imports read files up to this size.
    MAX_UPLOAD_MB = int(os.environ.get("MAX_UPLOAD_MB", "20"))
    MAX_CONTENT_LENGTH = MAX_UPLOAD_MB * 1024 * 1024
    # Every CSV/XLSX import (roster, library use, credit results, data hub): at most this many
    # data rows (an import may allow fewer: the roster 20,000, credit results 50,000), values
    # in at most this many columns, and this many seconds of reading before it is refused.
    IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "200000"))
    IMPORT_MAX_COLUMNS = int(os.environ.get("IMPORT_MAX_COLUMNS", "200"))
    IMPORT_MAX_SECONDS = float(os.environ.get("IMPORT_MAX_SECONDS", "60"))
    # `flask backup` (SQLite only): where snapshots go and how many are kept.
    BACKUP_DIR = os.environ.get("BACKUP_DIR", str(INSTANCE_DIR / "backups"))
    BACKUP_KEEP = int(os.environ.get("BACKUP_KEEP", "10"))
    # National volunteer record: the key that encrypts ID-card numbers at rest (a Fernet key
    # or a long passphrase). Without it the ID number is not offered anywhere.
    IDENTITY_ENCRYPTION_KEY = os.environ.get("IDENTITY_ENCRYPTION_KEY", "")
    # Whether the national export asks volunteers for their ID-card number.
    NATIONAL_EXPORT_ID_NUMBER = _bool("NATIONAL_EXPORT_ID_NUMBER", False)
    # 学号/工号: digits and letters; schools differ, so it is configurable.
    STUDENT_NUMBER_PATTERN = os.environ.get("STUDENT_NUMBER_PATTERN", r"^[0-9A-Za-z]{4,20}$")
    PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", "8"))
    PASSWORD_HASH_METHOD = "scrypt"

    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = TIMEZONE
    LANGUAGES = {"zh": "中文", "en": "English"}

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_DURATION = timedelta(days=int(os.environ.get("REMEMBER_DAYS", "180")))
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # Not re-sent with every response (static files included): a late response must not
    # write back a session that a logout or password change has since replaced.
    SESSION_REFRESH_EACH_REQUEST = False
    PERMANENT_SESSION_LIFETIME = timedelta(days=int(os.environ.get("SESSION_DAYS", "14")))

    WTF_CSRF_TIME_LIMIT = None  # tied to the session, so a form left open overnight still posts

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    # Per account and address; the second limit is per address only, set high because a
    # whole campus may reach us through a few NAT addresses.
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    LOGIN_ADDRESS_RATE_LIMIT = os.environ.get("LOGIN_ADDRESS_RATE_LIMIT", "300 per minute")
    RATELIMIT_HEADERS_ENABLED = True
    # The JSON API's calls per token (or per address without one).
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "300 per minute")

    PAGE_SIZE = int(os.environ.get("PAGE_SIZE", "20"))

    # Email: without MAIL_SERVER notifications stay in the app and the outbox is not drained.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)  # STARTTLS on a plain connection (port 587)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)  # TLS from the start (port 465)
    MAIL_FROM = os.environ.get("MAIL_FROM", "Gongchuang <noreply@localhost>")
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "30"))
    # The address people reach us at (https://host): every absolute address we hand out
    # (QR codes, emails, feeds, share links, CAS and OIDC callbacks) is built from it, never
    # from the request's Host header. Required in production.
    APP_BASE_URL = os.environ.get("APP_BASE_URL", "")
    # Host names requests may name (comma-separated; ".example.edu" for subdomains); others
    # get 400. Default: APP_BASE_URL's host, plus localhost and 127.0.0.1 outside production.
    TRUSTED_HOSTS = _list("TRUSTED_HOSTS") or None
    # How many proxies (nginx, the campus gateway) stand in front of us and set
    # X-Forwarded-For and X-Forwarded-Proto. 0: none, and those headers are ignored (a
    # client cannot choose its own address for the rate limits).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "5"))
    # Webhooks: seconds to wait for a receiver; and whether a webhook may point at a private,
    # loopback or link-local address (only for the tests' local receiver: never in production).
    WEBHOOK_TIMEOUT = int(os.environ.get("WEBHOOK_TIMEOUT", "10"))
    WEBHOOK_ALLOW_PRIVATE = _bool("WEBHOOK_ALLOW_PRIVATE", False)
    # Encrypts the webhook signing secrets at rest (a Fernet key or a long passphrase); empty:
    # a key derived from SECRET_KEY (HKDF-SHA256), so changing SECRET_KEY needs new secrets.
    WEBHOOK_SECRET_KEY = os.environ.get("WEBHOOK_SECRET_KEY", "")

    # Semesters (学期) start on these month-days each year; a semester ends the day before
    # the next starts. The first listed is the academic year's first semester.
    SEMESTER_STARTS = os.environ.get("SEMESTER_STARTS", "09-01,02-20")
    # Self sign-up in a team pauses after this many no-shows in one semester (0: never).
    NO_SHOW_PAUSE_AFTER = int(os.environ.get("NO_SHOW_PAUSE_AFTER", "3"))

    # Reading score (Reading Star, reading leaderboard): points per loan, visit, hour in the
    # library and e-resource session, e.g. "loans=3,visits=1,hours=1,e_sessions=0.5".
    READING_SCORE_WEIGHTS = {
        key: float(value)
        for key, value in _pairs(
            "READING_SCORE_WEIGHTS", "loans=3,visits=1,hours=1,e_sessions=0.5"
        ).items()
    }

    # Engagement scoring: any of the settings in app/engagement/settings.py (DEFAULTS),
    # e.g. "core_score=75,at_risk_gap_days=28,weight_volume=0.5".
    ENGAGEMENT_SETTINGS = {
        key: float(value) for key, value in _pairs("ENGAGEMENT_SETTINGS", "").items()
    }

    # Single sign-on through the campus CAS server (统一身份认证), on when CAS_SERVER_URL is
    # set (e.g. https://cas.example.edu.cn/cas). CAS_ATTRIBUTES names the attributes holding
    # the student number (empty: the CAS user name itself), name, email and college.
    CAS_SERVER_URL = os.environ.get("CAS_SERVER_URL", "")
    CAS_PROTOCOL = os.environ.get("CAS_PROTOCOL", "3")
    CAS_TIMEOUT = float(os.environ.get("CAS_TIMEOUT", "5"))
    CAS_ATTRIBUTES = _pairs("CAS_ATTRIBUTES", "name=cn,email=mail,college=department")
    # Or an OpenID Connect provider (authorisation code flow with PKCE): on when OIDC_ISSUER
    # and OIDC_CLIENT_ID are set; OIDC_CLAIMS names the claims, as CAS_ATTRIBUTES does.
    OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "")
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
    OIDC_SCOPES = os.environ.get("OIDC_SCOPES", "openid profile email")
    OIDC_TIMEOUT = float(os.environ.get("OIDC_TIMEOUT", "5"))
    OIDC_CLAIMS = _pairs(
        "OIDC_CLAIMS", "student_number=student_number,name=name,email=email,college=college"
    )
    SSO_CREATE_PEOPLE = _bool("SSO_CREATE_PEOPLE", False)
    SSO_ONLY = _bool("SSO_ONLY", False)

    # The library's WeChat Official Account (服务号): on when WECHAT_APP_ID and
    # WECHAT_APP_SECRET are set. The two base addresses are WeChat's own; tests point them at
    # a fake. WECHAT_TIMEOUT: seconds to wait for WeChat's answer.
    WECHAT_APP_ID = os.environ.get("WECHAT_APP_ID", "")
    WECHAT_APP_SECRET = os.environ.get("WECHAT_APP_SECRET", "")
    WECHAT_API_BASE = os.environ.get("WECHAT_API_BASE", "https://api.weixin.qq.com")
    WECHAT_OAUTH_BASE = os.environ.get("WECHAT_OAUTH_BASE", "https://open.weixin.qq.com")
    WECHAT_TIMEOUT = float(os.environ.get("WECHAT_TIMEOUT", "5"))

    # Share posters: a font with Chinese glyphs (default: the first usual system font found,
    # e.g. Debian's fonts-wqy-microhei).
    POSTER_FONT = os.environ.get("POSTER_FONT", "")

    # Pulls from the campus data hub (admin → Data hub): seconds to wait for its answer.
    DATAHUB_TIMEOUT = float(os.environ.get("DATAHUB_TIMEOUT", "30"))

    # Imports (roster, library use, data-hub pulls) write this many rows per transaction, so
    # other people's writes wait for one chunk at most. A roster confirm of more rows than
    # IMPORT_INLINE_ROWS runs as a job (the scheduler starts it) instead of in the request.
    IMPORT_CHUNK_ROWS = int(os.environ.get("IMPORT_CHUNK_ROWS", "500"))
    IMPORT_INLINE_ROWS = int(os.environ.get("IMPORT_INLINE_ROWS", "2000"))

    # Check-in: kiosk and personal codes change every this many seconds; the previous
    # code stays valid for one more period. A wrong check-in may be undone for this long.
    CHECKIN_CODE_SECONDS = int(os.environ.get("CHECKIN_CODE_SECONDS", "30"))
    # Wrong typed check-in codes (app/checkin/typed.py): per person within the minutes, and
    # per shift within one code window.
    CHECKIN_TYPED_PERSON_LIMIT = int(os.environ.get("CHECKIN_TYPED_PERSON_LIMIT", "5"))
    CHECKIN_TYPED_PERSON_MINUTES = int(os.environ.get("CHECKIN_TYPED_PERSON_MINUTES", "10"))
    CHECKIN_TYPED_SHIFT_LIMIT = int(os.environ.get("CHECKIN_TYPED_SHIFT_LIMIT", "30"))
    CHECKIN_UNDO_MINUTES = int(os.environ.get("CHECKIN_UNDO_MINUTES", "15"))
    # What a service certificate (志愿服务证明) names as its issuer.
    CERTIFICATE_ISSUER = os.environ.get("CERTIFICATE_ISSUER", "图书馆志愿服务中心")
    CERTIFICATE_SIGNATORY = os.environ.get("CERTIFICATE_SIGNATORY", "")
    # The private key (PEM: RSA of at least 2048 bits, or EC P-256) that signs Open Badges
    # credentials (app/rewards/badge_signing.py); "\n" may stand for line breaks. Without it
    # one RSA key is generated once and kept in the database.
    OPEN_BADGES_SIGNING_KEY = os.environ.get("OPEN_BADGES_SIGNING_KEY", "")
    CERTIFICATE_CONTACT = os.environ.get("CERTIFICATE_CONTACT", "")
    # The Chinese TrueType font embedded (subset) in certificate PDFs, so they look the same on
    # every phone; a path relative to the project or absolute. TTF, OTF with TrueType outlines
    # or TTC (its first face).
    CERTIFICATE_FONT = os.environ.get(
        "CERTIFICATE_FONT", "static/vendor/fonts/wqy-microhei/wqy-microhei.ttc"
    )
    CERTIFICATE_VERIFY_RATE_LIMIT = os.environ.get("CERTIFICATE_VERIFY_RATE_LIMIT", "30 per minute")
    # Comments on column posts, per person (not per address: a campus shares few addresses).
    COMMENT_RATE_LIMIT = os.environ.get("COMMENT_RATE_LIMIT", "5 per minute;30 per hour")
    # New threads to a team's coordinators a person may start (adding to one is not limited).
    MESSAGE_RATE_LIMIT = os.environ.get("MESSAGE_RATE_LIMIT", "3 per minute;20 per day")

    # Second Classroom (第二课堂) credits: module categories of each source (a task or column
    # may name its own), the 认定单位 in files, the 参与角色 per team kind, and whether a batch
    # needs a second person to approve it.
    CREDIT_DEFAULT_CATEGORY = os.environ.get("CREDIT_DEFAULT_CATEGORY", "志愿公益")
    CREDIT_TRAINING_CATEGORY = os.environ.get("CREDIT_TRAINING_CATEGORY", "技能培训")
    CREDIT_CONTRIBUTION_CATEGORY = os.environ.get("CREDIT_CONTRIBUTION_CATEGORY", "文化艺术")
    # Approved hours served elsewhere: their own category, whose seeded rule is switched off.
    CREDIT_OUTSIDE_CATEGORY = os.environ.get("CREDIT_OUTSIDE_CATEGORY", "校外志愿")
    CREDIT_ORGANISER = os.environ.get("CREDIT_ORGANISER", CERTIFICATE_ISSUER)
    CREDIT_ROLE_NAMES = {
        "volunteer_team": "志愿者",
        "student_assistants": "学生助理",
        "special_role": "专项岗位",
        "training": "学员",
        "contribution": "作者",
    }
    CREDIT_SECOND_APPROVER = _bool("CREDIT_SECOND_APPROVER", True)

    # Column uploads: no column may allow more than this (a column sets its own cap below it).
    MEDIA_MAX_MB = int(os.environ.get("MEDIA_MAX_MB", "200"))
    MEDIA_DAILY_MB = int(os.environ.get("MEDIA_DAILY_MB", "500"))  # per person, last 24 hours
    # An announcement's optional attachment (a PDF or a JPEG, PNG or WebP image): at most this.
    ANNOUNCEMENT_ATTACHMENT_MAX_MB = int(os.environ.get("ANNOUNCEMENT_ATTACHMENT_MAX_MB", "10"))
    # Hours served elsewhere: one claim's most hours, its evidence file's size, how old a
    # day of service may be when it is claimed.
    OUTSIDE_CLAIM_MAX_HOURS = int(os.environ.get("OUTSIDE_CLAIM_MAX_HOURS", "12"))
    OUTSIDE_EVIDENCE_MAX_MB = int(os.environ.get("OUTSIDE_EVIDENCE_MAX_MB", "10"))
    OUTSIDE_CLAIM_MAX_AGE_DAYS = int(os.environ.get("OUTSIDE_CLAIM_MAX_AGE_DAYS", "366"))
    # Service star levels (星级志愿者): hours (library plus approved elsewhere) for 1-5 stars.
    STAR_LEVEL_HOURS = _star_hours("STAR_LEVEL_HOURS")

    # Scheduled jobs: production runs one `flask jobs scheduler` process; single-process
    # installs may let the web process run the scheduler instead.
    SCHEDULER_IN_WEB = _bool("SCHEDULER_IN_WEB", False)
    JOB_LOCK_LEASE_SECONDS = int(os.environ.get("JOB_LOCK_LEASE_SECONDS", "120"))
    # Rows a nightly job writes per transaction: each holds the write lock briefly, so the
    # web keeps answering while the job runs (SQLite has one writer at a time).
    JOB_WRITE_CHUNK = int(os.environ.get("JOB_WRITE_CHUNK", "2000"))
    # SQLite: the pause after each chunk, at least (and as long as the chunk took), so that
    # a request waiting for the write lock gets it between chunks.
    JOB_WRITE_PAUSE_MS = int(os.environ.get("JOB_WRITE_PAUSE_MS", "20"))
    JOB_HISTORY_DAYS = int(os.environ.get("JOB_HISTORY_DAYS", "90"))


class DevelopmentConfig(Config):
    DEBUG = False


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    # On, with limits high enough for the suite; the rate-limit test lowers them.
    RATELIMIT_ENABLED = True
    LOGIN_RATE_LIMIT = "1000 per minute"
    LOGIN_ADDRESS_RATE_LIMIT = "10000 per minute"
    COMMENT_RATE_LIMIT = "1000 per minute"
    MESSAGE_RATE_LIMIT = "1000 per minute"
    API_RATE_LIMIT = "100000 per minute"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_SERVER = ""  # tests that send email start their own local SMTP server
    APP_BASE_URL = ""
    WECHAT_API_BASE = "http://127.0.0.1:9/wechat-not-configured"
    WECHAT_OAUTH_BASE = "http://127.0.0.1:9/wechat-not-configured"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestConfig,
    "production": ProductionConfig,
}
