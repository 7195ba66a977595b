"""A Wagtail site embedding livingtogether: the demo of ``make run-wagtail``, the tests' project.

Everything it writes goes to ``LT_DEMO_DIR`` (default: ``.demo/`` beside this
folder): Django's database and the Observatory's SQLite file.
"""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("LT_DEMO_DIR", HERE.parent / ".demo"))
DATA.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "demo-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "demo.home",
    "livingtogether_wagtail",
    # ... then Wagtail's own apps, as in any Wagtail site
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "demo.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.debug",
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
WSGI_APPLICATION = "demo.wsgi.application"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA / "django.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = DATA / "static"
MEDIA_ROOT = DATA / "media"
MEDIA_URL = "/media/"
WAGTAIL_SITE_NAME = "Izmir (livingtogether demo)"
WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8001"

# The site's mail: the pledge confirmations go through Django's email backend.
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND",
                               "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = "observatory@izmir.example"

# livingtogether: the Observatory's database and the member sites that may embed it.
LIVINGTOGETHER = {
    "DATABASE_URL": os.environ.get("LIVINGTOGETHER_DATABASE_URL",
                                   f"sqlite:///{DATA / 'livingtogether.sqlite3'}"),
    "ALLOWED_ORIGINS": [o for o in os.environ.get("LIVINGTOGETHER_ALLOWED_ORIGINS", "").split(",")
                        if o],
    # the links in the confirmation emails start here
    "BASE_URL": os.environ.get("LIVINGTOGETHER_BASE_URL", "http://127.0.0.1:8001/observatory"),
}
