"""Timetension reference implementation: the time-tracking API of spec/openapi.yaml."""

__version__ = "0.6.0"
