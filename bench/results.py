"""bench/RESULTS.md, written from the figures of the last run of each part (reports, pages)."""

import json
from pathlib import Path

from bench import certificates as certificate_pdfs
from bench import elearning_import_report as elearning_import
from bench import storm_report
from bench.databases import DATA, ROOT
from bench.pages import TARGET_P95_MS, TARGET_SHARE
from bench.reports import TARGET_RATIO, TARGET_SECONDS

RESULTS = ROOT / "bench" / "RESULTS.md"
ANALYSIS = ROOT / "bench" / "ANALYSIS.md"


def saved(part: str) -> dict | None:
    path = _path(part)
    return json.loads(path.read_text()) if path.exists() else None


def save(part: str, figures: dict) -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    _path(part).write_text(json.dumps(figures, indent=2, default=str))


def _path(part: str) -> Path:
    return DATA / f"results-{part}.json"


def write(
    machine: dict,
    reports: dict | None,
    pages: dict | None,
    imports: dict | None = None,
    certificates: dict | None = None,
    storm: dict | None = None,
) -> Path:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.py`); do not edit by hand: the analysis at the end",
        "comes from `bench/ANALYSIS.md`.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in machine.items()),
        "",
    ]
    # A part not measured on this machine keeps its section from the file as it is (the
    # figures of each part live in bench/.data/, which only the machine that ran it has).
    previous = _previous_sections()
    lines += _reports(reports) if reports else previous.get("## Reports", [])
    lines += _pages(pages) if pages else previous.get("## Pages under load", [])
    lines += storm_report.section(storm) if storm else previous.get("## Booking storm", [])
    if imports:
        lines += elearning_import.section(imports)
    else:
        lines += previous.get("## E-learning import", [])
    if certificates:
        lines += certificate_pdfs.section(certificates)
    else:
        lines += previous.get("## Certificate PDFs", [])
    kept = []
    # The lines of the parts measured now are written afresh below.
    fresh = tuple(
        prefix
        for prefix, part in (
            ("- E-learning import", imports),
            ("- Certificate PDFs", certificates),
            (storm_report.PREFIX, storm),
        )
        if part
    )
    if reports:
        fresh += ("- SQLite, ", "- PostgreSQL, ")
    if pages:
        fresh += tuple(f"- {load['page']}: " for load in pages["loads"])
    if not (reports and pages):
        kept = [
            line[2:]
            for line in previous.get("## Targets missed, by how much", [])
            if line.startswith("- ") and not line.startswith(fresh)
        ]
    others = [
        *kept,
        *elearning_import.missed(imports),
        *certificate_pdfs.missed(certificates),
        *storm_report.missed(storm),
    ]
    lines += _missed(reports, pages, others)
    if ANALYSIS.exists():
        lines += [ANALYSIS.read_text().strip(), ""]
    RESULTS.write_text("\n".join(lines).rstrip() + "\n")
    return RESULTS


def _previous_sections() -> dict[str, list[str]]:
    """The sections of RESULTS.md as it is now, by heading, each with its lines."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in RESULTS.read_text().splitlines() if RESULTS.exists() else []:
        if line.startswith("## "):
            current = line
            sections[current] = []
        if current is not None:
            sections[current].append(line)
    return sections


def _when(part: dict) -> str:
    """When, and how busy the machine was with other work just before (it is shared)."""
    load = part.get("load_average")
    return part["measured_at"] + ("" if load is None else f" (load average {load:.1f} before)")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def _reports(part: dict) -> list[str]:
    lines = [
        "## Reports",
        "",
        f"Measured {_when(part)}. Each report built in-process with "
        f"`lms.reports.build.run(name, filters, now=now)`, filters "
        f'`parse_args({{"period": "{part["period"]}"}})`, now = {part["now"]}: '
        f"{part['warmup']} warm-up run(s), then {part['repeat']} timed runs, each with a new "
        "database session (a connection from the pool, as in a request), report and floor in "
        "turn. The floor is one hand-written SQL statement computing the same table "
        "(`bench/floors.py`), run on the same connection; before timing, the bench checks that "
        "every figure of the floor equals the report's (rows, total, summary, chart) and stops "
        "if one differs. Targets: within "
        f"{TARGET_SECONDS:g} s and within {TARGET_RATIO:g}x the floor.",
        "",
    ]
    for database in part["databases"]:
        counts = ", ".join(f"{name} {n:,}" for name, n in database["counts"].items())
        how = (
            f"seeded by this run in {database['seed_seconds']:.0f} s"
            if database["seeded_now"]
            else "reused from an earlier run"
        )
        lines.append(f"- {database['name']}: `seed-scale --years 10`, {how}; {counts}.")
    lines += [
        "",
        "| Database | Report | Rows | Median ms | Min-max ms | Floor ms | Ratio | Queries "
        "| Slowest query ms | Targets |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for t in part["timings"]:
        lines.append(
            f"| {t['database']} | {t['case']} | {t['rows']} | {_ms(t['median'])} "
            f"| {_ms(min(t['report']))}-{_ms(max(t['report']))} | {_ms(t['floor_median'])} "
            f"| {t['ratio']:.2f} | {t['queries']} | {_ms(t['slowest_query'])} "
            f"| {'met' if _report_met(t) else '**missed**'} |"
        )
    return [*lines, ""]


def _report_met(t: dict) -> bool:
    return t["median"] <= TARGET_SECONDS and t["ratio"] <= TARGET_RATIO


def _targets(load: dict) -> tuple[float, float | None]:
    """A scenario's p95 target and share of the ceiling (None: none); figures saved before
    scenarios had their own targets are held to the anonymous pages' ones."""
    return load.get("target_p95_ms", TARGET_P95_MS), load.get("target_share", TARGET_SHARE)


def _page_met(load: dict) -> bool:
    p95, share = _targets(load)
    answered = load.get("requests", 1) > 0  # wrk's percentiles of no request are 0
    return answered and load["p95_ms"] < p95 and (share is None or (load["share"] or 0) >= share)


def _target_text(load: dict) -> str:
    p95, share = _targets(load)
    return f"p95 < {p95:g} ms" + ("" if share is None else f", >= {share:.0%} of ceiling")


def _pages(part: dict) -> list[str]:
    lines = [
        "## Pages under load",
        "",
        f"Measured {_when(part)} against {part['server']} on the PostgreSQL scale data, "
        "the app in production mode (`LMS_ENV=production`, its own `SECRET_KEY`), started as "
        "`gunicorn wsgi:app`. "
        f"Load: `wrk -t{part['wrk_threads']} -c{part['connections']} -d{part['seconds']}s` "
        f"({part['wrk']}; fewer connections where a scenario says so) after a "
        f"{part['warmup']} s warm-up of the same URL, one URL at a time; "
        "wrk, gunicorn and PostgreSQL share the machine. Percentiles from wrk's latency "
        "histogram (`bench/wrk.lua`), which also counts every response outside 2xx: the bench "
        "fails if there is one, or any socket error or timeout. The ceiling is `/healthz` "
        "(a constant `ok`, no database) on the same server, measured again just before each "
        "page with the page's number of connections. Targets, the issue's, per scenario in the "
        "table: anonymous pages p95 under "
        f"{TARGET_P95_MS} ms and at least {TARGET_SHARE:.0%} of the ceiling's requests per "
        "second; signed-in pages a p95 only.",
        "",
        *(f"- {note}" for note in part["notes"]),
        "",
        "| Page | Path | Connections | Requests/s | p50 ms | p95 ms | p99 ms "
        "| Ceiling req/s just before | Share of ceiling | Target | Met |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    for load in part["loads"]:
        if load["skipped"]:
            lines.append(
                f"| {load['page']} | `{load['path']}` | not measured: {load['skipped']} |||||||||"
            )
            continue
        extra = ["", "", "", ""]  # the ceiling's own row compares with nothing
        if load["share"] is not None:
            extra = [
                f"{load['ceiling_rps']:,.0f}",
                f"{load['share']:.1%}",
                _target_text(load),
                "met" if _page_met(load) else "**missed**",
            ]
        connections = load.get("connections") or part["connections"]
        lines.append(
            f"| {load['page']} | `{load['path']}` | {connections} | {load['rps']:,.0f} "
            f"| {load['p50_ms']:.1f} | {load['p95_ms']:.1f} | {load['p99_ms']:.1f} "
            f"| {' | '.join(extra)} |"
        )
    return [*lines, ""]


def _missed(reports: dict | None, pages: dict | None, others: list[str] = ()) -> list[str]:
    lines = list(others)
    for t in (reports or {}).get("timings", []):
        if t["median"] > TARGET_SECONDS:
            lines.append(
                f"{t['database']}, {t['case']}: {_ms(t['median'])} ms, "
                f"{t['median'] / TARGET_SECONDS:.1f}x the {TARGET_SECONDS:g} s target."
            )
        if t["ratio"] > TARGET_RATIO:
            lines.append(
                f"{t['database']}, {t['case']}: {t['ratio']:.3f}x its floor, "
                f"{t['ratio'] / TARGET_RATIO - 1:.1%} over the {TARGET_RATIO:g}x allowed "
                f"({t['queries']} queries where the floor is one)."
            )
    for load in (pages or {}).get("loads", []):
        if load["share"] is None:
            continue
        p95, share = _targets(load)
        if not load.get("requests", 1):
            lines.append(f"{load['page']}: no request answered within the run.")
            continue
        if load["p95_ms"] >= p95:
            lines.append(
                f"{load['page']}: p95 {load['p95_ms']:.0f} ms, "
                f"{load['p95_ms'] / p95:.1f}x the {p95:g} ms target."
            )
        if share is not None and load["share"] < share:
            lines.append(
                f"{load['page']}: {load['share']:.1%} of the ceiling's throughput, "
                f"{share / load['share']:.1f}x short of {share:.0%}."
            )
    if not lines:
        return ["## Targets", "", "Every target was met.", ""]
    return ["## Targets missed, by how much", "", *(f"- {line}" for line in lines), ""]
