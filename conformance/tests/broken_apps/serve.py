"""Serve one broken app: `python serve.py NAME`, with PORT and DATABASE_URL as for the reference."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalogue import find  # noqa: E402

if __name__ == "__main__":
    find(sys.argv[1]).apply()
    from timetension_reference.__main__ import main

    main()
