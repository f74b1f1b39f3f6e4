"""The checks, one module per area. Importing this package registers them in level order."""

from . import walking_skeleton, accounts, projects, time_entries, timer, reports, production  # noqa: F401
from . import accounts_edges, projects_edges, time_entries_edges, reports_edges, production_edges  # noqa: F401
