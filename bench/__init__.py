"""Benchmarks: report timings against hand-written SQL floors, page load under gunicorn."""
