from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application
from livingtogether_wagtail.wsgi import with_widgets

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo.settings")
application = with_widgets(get_wsgi_application())
