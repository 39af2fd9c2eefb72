"""Bench-only settings: the production settings (``jiaoguan.conf.settings.base``) with fixed
bench secrets and the bench database as defaults. Used by bench/writes.py and by the
orchestrating process of bench/lookup.py (which creates the partner client and counts queries).
The servers under test in bench/lookup.py run ``jiaoguan.conf.settings.base`` itself."""

import os

from bench._common import BENCH_SECRETS, DEFAULT_DB, RESULTS, db_url
from jiaoguan.conf.settings._devsecrets import dev_oidc_key

for _name, _value in BENCH_SECRETS.items():
    os.environ.setdefault(_name, _value)
os.environ.setdefault("JIAOGUAN_OIDC_KEY_FILE", dev_oidc_key())  # a throwaway ID-token key
os.environ.setdefault("DATABASE_URL", db_url(DEFAULT_DB))
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("JIAOGUAN_DATA_DIR", str(RESULTS / "var"))

from jiaoguan.conf.settings.base import *  # noqa: E402,F403
