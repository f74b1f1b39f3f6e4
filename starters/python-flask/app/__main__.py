"""`python -m app`: check the database, apply the migrations, then serve on 0.0.0.0:$PORT with gunicorn.

`python -m app --dev` serves with Flask's own server instead: it restarts (and migrates
again) whenever a Python file changes. For your machine only (the `dev` command).
"""

import os
import sys

from flask import Flask
from gunicorn.app.base import BaseApplication

from . import create_app, db, migrate


class Server(BaseApplication):
    """gunicorn, configured here rather than on its command line. Each worker process builds its own app."""

    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return create_app()


def main() -> None:
    url = db.database_url()
    db.check(url)
    migrate.upgrade(url)  # here, once, before gunicorn forks its workers
    if "--dev" in sys.argv[1:]:
        # Not debug=True: its debugger would answer a crash with an HTML page instead of a 500 problem.
        create_app().run(host="0.0.0.0", port=int(os.environ.get("PORT", "8080")), use_reloader=True)
        return
    Server({
        "bind": f"0.0.0.0:{os.environ.get('PORT', '8080')}",
        "threads": 4,
        "accesslog": "-",  # one line per request on stdout
        "access_log_format": '%(t)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms',
        "graceful_timeout": 5,  # seconds that requests in flight get after SIGTERM
        "worker_exit": lambda arbiter, worker: worker.wsgi.extensions["pool"].close(),
        # gunicorn 25.1+ opens a control socket in $HOME by default, one path for every gunicorn.
        "control_socket_disable": True,
    }).run()


if __name__ == "__main__":
    main()
