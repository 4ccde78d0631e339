"""Settings for the test run: the real settings with a throwaway key and a fast hasher."""

import os

os.environ.setdefault("SECRET_KEY", "sitewatch-tests-only")

from sitewatch.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STATIC_ROOT = None  # served from the finders; `sitewatch run` collects into var/static with gzip copies
WHITENOISE_USE_FINDERS = True
