"""Django settings for sitewatch, all read from the environment (see README.md)."""

from __future__ import annotations

import re
from pathlib import Path

from sitewatch.lib.env import (
    ConfigError,
    database_from_url,
    env_bool,
    env_decimal,
    env_int,
    env_list,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SITEWATCH_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigError("环境变量 SECRET_KEY 未设置：生产环境必须设置（仅在 DEBUG=True 时可省略）。")
    SECRET_KEY = "sitewatch-debug-only-not-secret"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if not DEBUG else ["*"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "sitewatch.core.admin_site.SitewatchAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "sitewatch.accounts",
    "sitewatch.holidays",
    "sitewatch.registry",
    "sitewatch.monitoring",
    "sitewatch.telemetry",
    "sitewatch.alarms",
    "sitewatch.notifications",
    "sitewatch.onboarding",
    "sitewatch.enforcement",
    "sitewatch.assessment",
    "sitewatch.core",
    "sitewatch.web",
    "sitewatch.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sitewatch.accounts.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sitewatch.urls"
WSGI_APPLICATION = "sitewatch.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sitewatch.web.context.platform",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'sitewatch.sqlite3'}")
DATABASES = {"default": database_from_url(DATABASE_URL)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several processes (web, gateways, loops) share the embedded database: wait on locks
    # instead of failing, and use WAL so readers never block the writer.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Uploaded procedure materials: outside anything the web server serves as files; read only
# through the views that check the visibility layer.
UPLOAD_ROOT = VAR_DIR / "uploads"
DEADLINES_INTERVAL_SECONDS = env_int("DEADLINES_INTERVAL_SECONDS", 300, minimum=1)
MATERIAL_MAX_BYTES = env_int("MATERIAL_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
# The operator's test point where devices are delivered for testing (附件1 四(二)).
ONBOARDING_TEST_SITE = env_str("ONBOARDING_TEST_SITE", "湛江市赤坎区湾北路14号一楼（湛江创新第二幼儿园旁）")
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Front-end packages come from the npm registry through package.json; served locally, no CDN.
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # `sitewatch run` collects static files with gzip copies: ECharts is ~1 MB raw, ~330 KB gzipped,
    # which matters on a site's APN link.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Production serves the collected files (with their gzip copies); finders only while developing.
WHITENOISE_USE_FINDERS = env_bool("STATIC_FROM_FINDERS", DEBUG)
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- platform rules (DOMAIN.md); each is a 口径 shown to users in docs/口径说明.md ---
# §2: "100万元以上或者建筑面积在500平方米以上"; 以上 includes the number itself.
MUST_CONNECT_MIN_INVESTMENT_CNY = env_decimal("MUST_CONNECT_MIN_INVESTMENT_CNY", "1000000")
MUST_CONNECT_MIN_FLOOR_AREA_M2 = env_decimal("MUST_CONNECT_MIN_FLOOR_AREA_M2", "500")

# Login throttling: failures per username or per address within the window.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60, minimum=60)
LOGIN_MAX_FAILURES_PER_ADDRESS = env_int("LOGIN_MAX_FAILURES_PER_ADDRESS", 20, minimum=1)

# The city administrator is reminded from this month/day when next year's calendar is missing.
HOLIDAY_REMINDER_FROM_MONTH = env_int("HOLIDAY_REMINDER_FROM_MONTH", 10, minimum=1, maximum=12)

WEB_HOST = env_str("WEB_HOST", "127.0.0.1")
WEB_PORT = env_int("WEB_PORT", 8000, minimum=1, maximum=65535)
WEB_THREADS = env_int("WEB_THREADS", 8, minimum=1, maximum=64)
# The reverse proxy's address, when there is one: waitress then takes the client's address
# from X-Forwarded-For, so audit rows and the login throttle see the real client.
WEB_TRUSTED_PROXY = env_str("WEB_TRUSTED_PROXY", "")

# Online state (issue 3): a dust monitor goes offline after this much silence; the monitor
# loop sweeps at this interval.
DUST_OFFLINE_AFTER_SECONDS = env_int("DUST_OFFLINE_AFTER_SECONDS", 600, minimum=60)
MONITOR_INTERVAL_SECONDS = env_int("MONITOR_INTERVAL_SECONDS", 30, minimum=1)
# Offline episodes of points (附件7): debounce, daily digests, the digest cap per number.
EPISODE_DEBOUNCE_SWEEPS = env_int("EPISODE_DEBOUNCE_SWEEPS", 2, minimum=1)
EPISODE_DEBOUNCE_SECONDS = env_int("EPISODE_DEBOUNCE_SECONDS", 600, minimum=0)
EPISODE_DIGEST_AFTER_HOURS = env_int("EPISODE_DIGEST_AFTER_HOURS", 24, minimum=1)
EPISODE_DIGEST_DAILY_CAP = env_int("EPISODE_DIGEST_DAILY_CAP", 3, minimum=1)
# 告知恢复上线 on an open episode or one closed at most this many days ago (口径 K-A10).
EPISODE_REPORT_WINDOW_DAYS = env_int("EPISODE_REPORT_WINDOW_DAYS", 7, minimum=1)
# The weekly check (附件7): weekday (0 = Monday) and time, Asia/Shanghai; sanctions count
# weekly scores or monthly means.
ASSESSMENT_WEEKDAY = env_int("ASSESSMENT_WEEKDAY", 0, minimum=0, maximum=6)
ASSESSMENT_TIME = env_str("ASSESSMENT_TIME", "09:00")
if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", ASSESSMENT_TIME or ""):
    raise ConfigError(f"环境变量 ASSESSMENT_TIME={ASSESSMENT_TIME!r} 无效：应为 24 小时制的 时:分，例如 09:00。")
# The bands of 附件7 (口径 K-A2…K-A4) as JSON overriding any of the defaults of
# sitewatch.assessment.rules.Rules, e.g. ASSESSMENT_RULES='{"fix_bands": [[3, 0], [7, 10], [14, 20]]}'.
# Checked here, so a wrong value stops the start; the rules in force go into every evidence file.
ASSESSMENT_RULES = env_str("ASSESSMENT_RULES", "")
if ASSESSMENT_RULES:
    from sitewatch.assessment.rules import rules_from_setting

    rules_from_setting(ASSESSMENT_RULES)  # raises ConfigError naming the variable
SANCTION_PERIOD = env_str("SANCTION_PERIOD", "weekly")
if SANCTION_PERIOD not in ("weekly", "monthly"):
    raise ConfigError(f"环境变量 SANCTION_PERIOD={SANCTION_PERIOD!r} 无效：应为 weekly（按周得分计次）或 monthly（按月平均分计次）。")
# Automatic detection of violations (附件6, issue 7; 口径 K-V1…K-V9): a must-connect project is
# expected connected this many days after its planned start; a dust point / a camera point offline
# this many hours is a case; a cleared condition must stay clear this many hours before the
# platform closes the case; the monitor loop runs detection every this many passes (0: never,
# run `sitewatch detect` instead). The camera requirement matrix by stage is JSON, checked here.
ENFORCEMENT_CONNECT_GRACE_DAYS = env_int("ENFORCEMENT_CONNECT_GRACE_DAYS", 30, minimum=0, maximum=3650)
ENFORCEMENT_DUST_OFFLINE_HOURS = env_int("ENFORCEMENT_DUST_OFFLINE_HOURS", 24, minimum=1, maximum=24 * 365)
ENFORCEMENT_VIDEO_OFFLINE_HOURS = env_int("ENFORCEMENT_VIDEO_OFFLINE_HOURS", 24, minimum=1, maximum=24 * 365)
ENFORCEMENT_CLEAR_HOURS = env_int("ENFORCEMENT_CLEAR_HOURS", 24, minimum=1, maximum=24 * 365)
ENFORCEMENT_DETECT_EVERY_PASSES = env_int("ENFORCEMENT_DETECT_EVERY_PASSES", 10, minimum=0)
ENFORCEMENT_CAMERA_REQUIREMENTS = env_str("ENFORCEMENT_CAMERA_REQUIREMENTS", "")
if ENFORCEMENT_CAMERA_REQUIREMENTS:
    from sitewatch.enforcement.requirements import requirements_from_setting

    requirements_from_setting(ENFORCEMENT_CAMERA_REQUIREMENTS)  # raises ConfigError naming the variable
# This many identical real-time PM readings in a row are marked `flat` (a stuck sensor).
DUST_FLAT_READINGS = env_int("DUST_FLAT_READINGS", 10, minimum=3)

# Dust thresholds and alarms (issue 3 §4; 口径 K-D rows): an hour is valid with this many minutes
# of data, a day with this many valid hours; hours and days are judged this long after they end
# (late uploads), real-time readings this long after their time; a device first seen (or back
# after a long silence) is judged from this many hours back at most.
DUST_HOUR_MIN_MINUTES = env_int("DUST_HOUR_MIN_MINUTES", 45, minimum=1, maximum=60)
DUST_DAY_MIN_HOURS = env_int("DUST_DAY_MIN_HOURS", 20, minimum=1, maximum=24)
DUST_ALARM_DELAY_SECONDS = env_int("DUST_ALARM_DELAY_SECONDS", 300, minimum=0)
DUST_REALTIME_DELAY_SECONDS = env_int("DUST_REALTIME_DELAY_SECONDS", 60, minimum=0)
DUST_ALARM_LOOKBACK_HOURS = env_int("DUST_ALARM_LOOKBACK_HOURS", 48, minimum=1)
# Where notifications go (口径 K-S1…K-S4): "outbox" keeps them on the platform (/notifications/);
# "aliyun_sms" / "tencent_sms" also text the recipients with a phone number. Switched on but
# misconfigured stops the start (sitewatch.notifications.transports.check_configuration).
NOTIFY_TRANSPORT = env_str("NOTIFY_TRANSPORT", "outbox")
ALIYUN_SMS_ACCESS_KEY_ID = env_str("ALIYUN_SMS_ACCESS_KEY_ID", "")
ALIYUN_SMS_ACCESS_KEY_SECRET = env_str("ALIYUN_SMS_ACCESS_KEY_SECRET", "")
ALIYUN_SMS_SIGN_NAME = env_str("ALIYUN_SMS_SIGN_NAME", "")
ALIYUN_SMS_TEMPLATE_CODE = env_str("ALIYUN_SMS_TEMPLATE_CODE", "")
ALIYUN_SMS_TEMPLATE_PARAM_NAMES = env_list("ALIYUN_SMS_TEMPLATE_PARAM_NAMES", ["subject", "content"])
ALIYUN_SMS_ENDPOINT = env_str("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
TENCENT_SMS_SECRET_ID = env_str("TENCENT_SMS_SECRET_ID", "")
TENCENT_SMS_SECRET_KEY = env_str("TENCENT_SMS_SECRET_KEY", "")
TENCENT_SMS_SDK_APP_ID = env_str("TENCENT_SMS_SDK_APP_ID", "")
TENCENT_SMS_SIGN_NAME = env_str("TENCENT_SMS_SIGN_NAME", "")
TENCENT_SMS_TEMPLATE_ID = env_str("TENCENT_SMS_TEMPLATE_ID", "")
TENCENT_SMS_REGION = env_str("TENCENT_SMS_REGION", "ap-guangzhou")
TENCENT_SMS_ENDPOINT = env_str("TENCENT_SMS_ENDPOINT", "https://sms.tencentcloudapi.com/")
SMS_TIMEOUT_SECONDS = env_int("SMS_TIMEOUT_SECONDS", 10, minimum=1, maximum=120)
SMS_MAX_ATTEMPTS = env_int("SMS_MAX_ATTEMPTS", 3, minimum=1, maximum=10)
SMS_TEMPLATE_PARAM_MAX_CHARS = env_int("SMS_TEMPLATE_PARAM_MAX_CHARS", 35, minimum=6, maximum=500)

# HJ 212 gateway (issue 3). Devices are TCP clients of this address.
HJ212_HOST = env_str("HJ212_HOST", "127.0.0.1")
HJ212_PORT = env_int("HJ212_PORT", 9212, minimum=1, maximum=65535)
HJ212_MAX_CONNECTIONS_PER_ADDRESS = env_int("HJ212_MAX_CONNECTIONS_PER_ADDRESS", 64, minimum=1)
HJ212_MAX_CONNECTIONS = env_int("HJ212_MAX_CONNECTIONS", 20000, minimum=1)
HJ212_IDLE_TIMEOUT_SECONDS = env_int("HJ212_IDLE_TIMEOUT_SECONDS", 900, minimum=10)
HJ212_MAX_SEGMENT_BYTES = env_int("HJ212_MAX_SEGMENT_BYTES", 9999, minimum=1024, maximum=65536)
HJ212_AUTO_DETECT_CRC = env_bool("HJ212_AUTO_DETECT_CRC", True)
HJ212_CALIBRATE_ON_CONNECT = env_bool("HJ212_CALIBRATE_ON_CONNECT", True)
HJ212_MAX_BAD_IN_A_ROW = env_int("HJ212_MAX_BAD_IN_A_ROW", 20, minimum=1)

# GB/T 28181 (SIP) gateway. The realm of the digest challenge is the domain, which the
# standard says should be the first ten digits of the platform's id (§6.1.2).
SIP_HOST = env_str("SIP_HOST", "127.0.0.1")
SIP_PORT = env_int("SIP_PORT", 5060, minimum=1, maximum=65535)
SIP_SERVER_ID = env_str("SIP_SERVER_ID", "44080000002000000001")
SIP_DOMAIN = env_str("SIP_DOMAIN", "4408000000")
SIP_PASSWORD = env_str("SIP_PASSWORD", "")  # for devices registered without a password of their own
SIP_KEEPALIVE_INTERVAL = env_int("SIP_KEEPALIVE_INTERVAL", 60, minimum=1, maximum=3600)
SIP_KEEPALIVE_MISSES = env_int("SIP_KEEPALIVE_MISSES", 3, minimum=1, maximum=100)
SIP_REGISTER_EXPIRES_MAX = env_int("SIP_REGISTER_EXPIRES_MAX", 86400, minimum=60)
SIP_SILENCE_MARGIN_SECONDS = env_int("SIP_SILENCE_MARGIN_SECONDS", 120, minimum=0)  # monitor loop: 口径 K-G8
SIP_QUERY_INTERVAL = env_int("SIP_QUERY_INTERVAL", 3600, minimum=60)  # catalogue and parameters re-read
SIP_RATE_PER_ADDRESS = env_int("SIP_RATE_PER_ADDRESS", 500, minimum=1)  # messages per second per source address
SIP_NONCE_SECRET = env_str("SIP_NONCE_SECRET", "") or SECRET_KEY
if not (SIP_SERVER_ID.isdigit() and len(SIP_SERVER_ID) == 20):
    raise ConfigError(f"SIP_SERVER_ID 应为20位数字的平台国标编码，当前为 {SIP_SERVER_ID!r}。")
if not (SIP_DOMAIN.isdigit() and len(SIP_DOMAIN) == 10):
    raise ConfigError(f"SIP_DOMAIN 应为10位数字（平台编码前十位），当前为 {SIP_DOMAIN!r}。")

PLATFORM_TITLE = "湛江市智慧渣土综合服务监管平台"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint logs seven INFO lines per PDF (its layout steps): not worth a log line each.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "weasyprint.progress": {"level": "WARNING"}},
}
