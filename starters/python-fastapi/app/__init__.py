"""The Timetension API in FastAPI."""
