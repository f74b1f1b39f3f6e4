"""The Timetension API in Flask. `create_app()` builds the app; gunicorn serves it (see __main__.py)."""

from flask import Flask

from . import db, problems
from .routes import api


def create_app() -> Flask:
    app = Flask(__name__)
    app.extensions["pool"] = db.pool(db.database_url())
    problems.install(app)
    app.register_blueprint(api)
    return app
