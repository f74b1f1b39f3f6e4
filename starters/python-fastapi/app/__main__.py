"""`python -m app`: check the database, then serve on 0.0.0.0:$PORT with uvicorn.

`python -m app --reload` restarts the app whenever a file under app/ changes (the `dev` command).
"""

import os
import signal
import sys
from pathlib import Path

import uvicorn

from . import db
from .main import app


def main() -> None:
    db.check(db.database_url())
    reload = "--reload" in sys.argv[1:]
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again: exit 0 when it does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    port = int(os.environ.get("PORT", "8080"))
    if reload:
        uvicorn.run("app.main:app", host="0.0.0.0", port=port, reload=True, reload_dirs=[str(Path(__file__).parent)])
    else:
        uvicorn.run(app, host="0.0.0.0", port=port, timeout_graceful_shutdown=5)


if __name__ == "__main__":
    main()
