"""Demo / development settings: SQLite by default, debug on, throwaway secrets."""

import os

from jiaoguan.conf.settings import _devsecrets

_devsecrets.apply()
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("JIAOGUAN_DEMO_SHOW_OTP", "1")

from jiaoguan.conf.settings.base import *  # noqa: E402,F403

# Static files come from the app folders (runserver / test client); whitenoise serves the
# collected files in production only.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
