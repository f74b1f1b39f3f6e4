"""`timetension-reference`: migrate the database, then serve the API on 0.0.0.0:$PORT."""

import logging
import sys
from typing import NoReturn

import uvicorn
from sqlalchemy.exc import SQLAlchemyError

from . import db, rules
from .app import create_app
from .settings import Settings, SettingsError, masked_url

log = logging.getLogger("timetension_reference")


def _fail(message: str) -> NoReturn:
    print(f"timetension-reference: {message}", file=sys.stderr)
    sys.exit(1)


def _reason(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__


def main() -> None:
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stdout,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        _fail(str(exc))
    url = masked_url(settings.database_url)
    try:
        app = create_app(settings)
        db.upgrade(app.state.engine)
    except SQLAlchemyError as exc:
        _fail(f"cannot use the database at {url}: {_reason(exc)}")
    log.info("database %s is up to date", url)
    uvicorn.run(
        app,
        host="0.0.0.0",
        port=settings.port,
        log_config=None,
        # Above the app's own limit (431, see header_limit.py), so that the app, not the
        # server's plain-text 400, answers a header block between the two.
        h11_max_incomplete_event_size=2 * rules.HEADERS_MAX_BYTES,
    )


if __name__ == "__main__":
    main()
