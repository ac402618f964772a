"""What the figures were measured on: the machine, the software and the database servers."""

import os
import platform
import sqlite3
import subprocess
from importlib import metadata
from pathlib import Path

import sqlalchemy as sa

from bench.databases import ROOT

# PostgreSQL settings that decide the reports' plans and the pages' concurrency.
PG_SETTINGS = (
    "shared_buffers",
    "work_mem",
    "random_page_cost",
    "effective_cache_size",
    "max_parallel_workers_per_gather",
    "jit",
    "max_connections",
)


def describe(postgresql_url: str | None) -> dict[str, str]:
    facts = {
        "CPU": _cpu_model(),
        "Cores": f"{os.cpu_count()} logical",
        "RAM": _memory(),
        "OS": f"{_os_name()}, Linux {platform.release()}",
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
    }
    if postgresql_url:
        engine = sa.create_engine(postgresql_url)
        try:
            with engine.connect() as connection:
                facts["PostgreSQL"] = connection.scalar(sa.text("SHOW server_version"))
                facts["PostgreSQL settings"] = ", ".join(
                    f"{name}={connection.scalar(sa.text(f'SHOW {name}'))}" for name in PG_SETTINGS
                )
        finally:
            engine.dispose()
    facts["Packages"] = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("flask", "sqlalchemy", "psycopg", "gunicorn", "jinja2")
    )
    facts["Code"] = _code_version()
    return facts


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory() -> str:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def _os_name() -> str:
    for line in Path("/etc/os-release").read_text().splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip('"')
    return platform.system()


def _code_version() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--untracked-files=no")
    return f"commit {commit}" + (" with uncommitted changes" if changed else "")
