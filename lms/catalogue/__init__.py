"""Courses, themes, providers, venues, scheduled sessions and calendar feeds."""
