"""livingtogether in a Wagtail site: a Django app that only translates.

Add ``"livingtogether_wagtail"`` to ``INSTALLED_APPS``, include
``livingtogether_wagtail.urls`` under a prefix, and configure it with one
setting (every key optional)::

    LIVINGTOGETHER = {
        "DATABASE_URL": "postgresql+psycopg://...",   # any core setting, in capitals
        "ALLOWED_ORIGINS": ["https://www.izmir.bel.tr"],
        "BASE_URL": "https://www.izmir.bel.tr/observatory",  # where the emails' links point
        "OBSERVATORY": None,   # an opened Observatory to serve instead
        "MAILER": None,        # an object with send(EmailMessage); default: Django's email backend
    }

The sender of the emails is ``DEFAULT_FROM_EMAIL`` unless ``MAIL_FROM`` says
otherwise; ``manage.py livingtogether_outbox --loop`` sends them. Blocks are
in :mod:`livingtogether_wagtail.blocks`, the template tags in
``{% load livingtogether %}``.
"""

from __future__ import annotations

try:
    import django  # noqa: F401
    import wagtail  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the installation
    raise ImportError("livingtogether_wagtail needs Django and Wagtail: "
                      "pip install livingtogether-wagtail") from error
