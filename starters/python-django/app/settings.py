"""Settings of the Timetension API: an API only, so no admin, sessions, templates or static files.

Every setting: https://docs.djangoproject.com/en/5.2/ref/settings/
"""

import os

import dj_database_url

# Signs tokens made with django.core.signing. Set SECRET_KEY for anything but your own machine.
SECRET_KEY = os.environ.get(
    "SECRET_KEY", "django-insecure-wgcewd11+d9&z25s*tgc_=rcd%1!&on&)x)9ql61bao8*sd(un"
)
DEBUG = False  # True answers errors with HTML debug pages instead of problems
ALLOWED_HOSTS = ["*"]  # the app is reached as localhost, 127.0.0.1 or a container's name

INSTALLED_APPS = ["app"]  # models go in app/models.py; then `manage.py makemigrations app`
MIDDLEWARE = ["app.problems.ProblemMiddleware"]
ROOT_URLCONF = "app.urls"
WSGI_APPLICATION = "app.wsgi.application"

# From DATABASE_URL, e.g. postgresql://user:password@127.0.0.1:5432/timetension
DATABASES = {"default": dj_database_url.config(conn_health_checks=True)}
DATABASES["default"].setdefault("OPTIONS", {}).update({
    "connect_timeout": 5,
    # psycopg's connection pool, shared by a worker's threads; app/__main__.py closes it on exit.
    "pool": {"min_size": 1, "max_size": 4, "timeout": 5},
})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TIME_ZONE = "UTC"
USE_TZ = True
USE_I18N = False

# Without this, DEBUG = False sends the stack traces of crashes nowhere (or by e-mail to ADMINS).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {"django": {"level": "ERROR"}},  # 5xx with its stack trace; the access log has the rest
}
