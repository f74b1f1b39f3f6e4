"""`python -m app`: check the database, apply the migrations, then serve on 0.0.0.0:$PORT with gunicorn.

`python -m app --dev` serves with Django's `runserver` instead: it restarts (and migrates again) whenever
a Python file changes. For your machine only (the `dev` command).
"""

import os
import sys
from collections.abc import Callable

from gunicorn.app.base import BaseApplication

from . import db


class Server(BaseApplication):
    """gunicorn, configured here rather than on its command line. Each worker process loads Django itself."""

    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Callable:
        from .wsgi import application  # after the fork, and after the database check

        return application


def close_pool(arbiter: object, worker: object) -> None:
    from django.db import connection

    connection.close_pool()


def migrate() -> None:
    """`manage.py migrate`, then close the connection so that no worker inherits it across the fork."""
    import django
    from django.core.management import call_command
    from django.db import connection

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    connection.close()
    connection.close_pool()


def main() -> None:
    db.check(db.database_url())
    migrate()
    if "--dev" in sys.argv[1:]:
        from django.core.management import call_command

        call_command("runserver", f"0.0.0.0:{os.environ.get('PORT', '8080')}")
        return
    Server({
        "bind": f"0.0.0.0:{os.environ.get('PORT', '8080')}",
        "threads": 4,
        "accesslog": "-",  # one line per request on stdout
        "access_log_format": '%(t)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms',
        "graceful_timeout": 5,  # seconds that requests in flight get after SIGTERM
        "worker_exit": close_pool,
        # gunicorn 25.1+ opens a control socket in $HOME by default, one path for every gunicorn.
        "control_socket_disable": True,
    }).run()


if __name__ == "__main__":
    main()
