"""The checks, one module per area. Importing this package registers them in level order."""

from . import walking_skeleton, accounts, projects, time_entries, timer, reports, production  # noqa: F401
