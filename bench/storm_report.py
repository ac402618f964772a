"""The booking storm's section of bench/RESULTS.md and its lines under the targets missed."""

from bench.storm import PEOPLE, PLACES, TARGET_P95_MS

PREFIX = "- Booking storm"


def section(part: dict) -> list[str]:
    load = part.get("load_average")
    when = part["measured_at"] + ("" if load is None else f" (load average {load:.1f} before)")
    lines = [
        "## Booking storm",
        "",
        f"Measured {when} against {part['server']}, the app in production mode, on each bench "
        f"database (`bench/storm.py`). {PEOPLE} practitioners with accounts, each signed in "
        "(a session cookie as the sign-in form leaves it, signed with the server's key: the "
        "form's rate limit is per address and the bench has one), open a new face-to-face "
        f"session of {PLACES} places (no approval, no agency cap) for the form's CSRF token, "
        f'then press "Book": the POSTs go out evenly over {part["window"]:g} s, each on its '
        "own connection without waiting for the others. Then, on a new 50-place session "
        "already full (50 confirmed, 20 waiting), 50 of the confirmed cancel through the "
        "cancellation form while 50 others book, mixed, at the same rate. A press counts as an "
        "error unless it is answered as a success (the redirect the view sends after success, "
        "with its success message and no error message). Afterwards the bench reads the "
        "database: the bench fails on any error or any check below not holding. Target: "
        f"p95 of the POSTs under {TARGET_P95_MS:,} ms with no error.",
        "",
        "| Database | Scenario | Sent over s | All answered in s | Answered/s | p50 ms | p95 ms "
        "| p99 ms | Max ms | Errors | Database checks | Target |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    for storm in part["storms"]:
        checks = storm["checks"]
        held = sum(1 for _, ok in checks if ok)
        lines.append(
            f"| {storm['database']} | {storm['phase']} | {storm['window']:.1f} "
            f"| {storm['seconds']:.2f} | {storm['rps']:.0f} | {storm['p50_ms']:.0f} "
            f"| {storm['p95_ms']:.0f} | {storm['p99_ms']:.0f} | {storm['max_ms']:.0f} "
            f"| {len(storm['errors'])} | {held} of {len(checks)} held "
            f"| {'met' if storm['met'] else '**missed**'} |"
        )
    lines.append("")
    for storm in part["storms"]:
        figures = storm["figures"]
        counts = ", ".join(
            f"{name} {figures[name]}"
            for name in ("confirmed", "waitlisted", "cancelled")
            if name in figures
        )
        lines.append(
            f"- {storm['database']}, {storm['phase']}: {counts}; places taken "
            f"{figures['places_taken']} of {figures['capacity']}, open offers "
            f"{figures['open_offers']}. "
            + "; ".join(f"{what}: {'held' if ok else '**FAILED**'}" for what, ok in storm["checks"])
            + "."
            + _order(figures)
            + "".join(f" Error: {error}." for error in storm["errors"][:5])
        )
    return [*lines, "", *(f"- {note}" for note in part.get("notes", [])), ""]


def _order(figures: dict) -> str:
    """How the waiting list's order (when each request reached the booking service) compares
    with the order the database took the session's lock in (the bookings' ids)."""
    text = (
        f" Waiting list against lock order: {figures['inversions']} neighbours the other way round"
    )
    if "overtaken" in figures:
        text += (
            f"; {figures['overtaken']} people waiting whose request reached the booking "
            "service before the last one to get a place"
        )
    return text + "."


def missed(part: dict | None) -> list[str]:
    lines = []
    for storm in (part or {}).get("storms", []):
        name = f"Booking storm, {storm['database']}, {storm['phase']}"
        if storm["p95_ms"] >= TARGET_P95_MS:
            lines.append(
                f"{name}: p95 {storm['p95_ms']:,.0f} ms, "
                f"{storm['p95_ms'] / TARGET_P95_MS:.1f}x the {TARGET_P95_MS:,} ms target."
            )
        if storm["errors"]:
            lines.append(f"{name}: {len(storm['errors'])} errors, where none is allowed.")
        failed = [what for what, ok in storm["checks"] if not ok]
        if failed:
            lines.append(f"{name}: the database check(s) failed: {'; '.join(failed)}.")
    return lines
