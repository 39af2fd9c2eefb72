"""Bench-only settings for the *bare* view: no middleware, no auth, no sessions, no audit —
only what the registry models need. Same database settings as production (persistent
connections, ``CONN_MAX_AGE=60``), so the difference to the real API is the framework work."""

import os

import dj_database_url

from bench._common import BENCH_SECRETS, DEFAULT_DB, db_url

SECRET_KEY = os.environ.get("SECRET_KEY") or BENCH_SECRETS["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["django.contrib.contenttypes", "jiaoguan.registry"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.bare_urls"
DATABASES = {
    "default": dict(
        dj_database_url.parse(os.environ.get("DATABASE_URL") or db_url(DEFAULT_DB), conn_max_age=60)
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
USE_I18N = False
LOGGING = {"version": 1, "disable_existing_loggers": False}
