"""Test settings: SQLite, or PostgreSQL when JIAOGUAN_TEST_DB=postgres (a fresh database a run)."""

import atexit
import os
import shutil
import tempfile
import uuid
from pathlib import Path

from jiaoguan.conf.settings import _devsecrets

_devsecrets.apply()
os.environ.setdefault("DEBUG", "0")

from jiaoguan.conf import env  # noqa: E402
from jiaoguan.conf.settings.base import *  # noqa: E402,F403
from jiaoguan.conf.settings.base import database_from_url  # noqa: E402

if (env.get("JIAOGUAN_TEST_DB") or "sqlite") == "postgres":
    DATABASES = {"default": database_from_url(env.get("JIAOGUAN_TEST_DATABASE_URL") or "")}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["TEST"] = {"NAME": f"test_jiaoguan_{uuid.uuid4().hex[:12]}"}
else:
    DATABASES = {"default": database_from_url("sqlite:///:memory:")}
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="jiaoguan-test-media-"))  # uploaded images, per run
atexit.register(shutil.rmtree, MEDIA_ROOT, True)
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
LOGGING = {"version": 1, "disable_existing_loggers": False}

# Static files come from the app folders (runserver / test client); whitenoise serves the
# collected files in production only.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
