"""`python -m app`: check the database, then serve on 0.0.0.0:$PORT with uvicorn."""

import os
import signal
import sys

import uvicorn

from . import db
from .main import app


def main() -> None:
    db.check(db.database_url())
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again: exit 0 when it does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    uvicorn.run(app, host="0.0.0.0", port=int(os.environ.get("PORT", "8080")), timeout_graceful_shutdown=5)


if __name__ == "__main__":
    main()
