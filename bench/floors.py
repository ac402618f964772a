"""The floors: for each report, ONE hand-written SQL statement that computes the same table
(rows, total, summary), run on the same connection as the report. The same text runs on SQLite
and PostgreSQL.

Rules the report follows (lms/reports/figures.py), written out by hand here:
- a session belongs to the period of its first date (:start <= starts_at < :end);
- it ran if it is not cancelled and has started (starts_at <= :now);
- booked = confirmed, or cancelled late; attended/partial/no-show = confirmed with that outcome;
  places wasted = no-shows + late cancellations; not marked = confirmed without an outcome;
- booking figures count the bookings of sessions that ran;
- a charge counts when its booking is booked; its amount unless it was waived.

Every statement returns a `part` column saying which piece of the table a row is (a row, the
total, the summary, the chart); the bench compares each piece with the report's.
"""

from datetime import datetime

import sqlalchemy as sa

from lms.core.models import UTCDateTime
from lms.reports import periods
from lms.reports.filters import Filters

# Booking measures over bookings `b` (NULL when a LEFT JOIN found none: every CASE gives 0).
BOOKING_SUMS = """
        SUM(CASE WHEN b.status = 'confirmed'
                   OR (b.status = 'cancelled' AND b.is_late_cancellation = TRUE)
                 THEN 1 ELSE 0 END) AS booked,
        SUM(CASE WHEN b.status = 'confirmed' AND b.outcome = 'completed'
                 THEN 1 ELSE 0 END) AS attended,
        SUM(CASE WHEN b.status = 'confirmed' AND b.outcome = 'partial'
                 THEN 1 ELSE 0 END) AS partial,
        SUM(CASE WHEN b.status = 'confirmed' AND b.outcome = 'no_show'
                 THEN 1 ELSE 0 END) AS no_shows,
        SUM(CASE WHEN b.status = 'cancelled' AND b.is_late_cancellation = TRUE
                 THEN 1 ELSE 0 END) AS late_cancellations,
        SUM(CASE WHEN b.status = 'confirmed' AND b.outcome = 'no_show'
                   OR (b.status = 'cancelled' AND b.is_late_cancellation = TRUE)
                 THEN 1 ELSE 0 END) AS places_wasted,
        SUM(CASE WHEN b.status = 'confirmed' AND b.outcome IS NULL
                 THEN 1 ELSE 0 END) AS not_marked"""

# The same measures summed again over rows that carry them.
RESUMMED = """
        COALESCE(SUM(booked), 0) AS booked,
        COALESCE(SUM(attended), 0) AS attended,
        COALESCE(SUM(partial), 0) AS partial,
        COALESCE(SUM(no_shows), 0) AS no_shows,
        COALESCE(SUM(late_cancellations), 0) AS late_cancellations,
        COALESCE(SUM(places_wasted), 0) AS places_wasted,
        COALESCE(SUM(not_marked), 0) AS not_marked"""

# Programme delivered: one row per session of the period with its flags and booking figures
# (bookings joined only for sessions that ran), then grouped, and the total from the same rows.
PER_SESSION = f"""
    per_session AS (
        SELECT s.id, s.course_id, s.is_twilight,
            MAX(CASE WHEN s.status <> 'cancelled' AND s.starts_at <= :now
                     THEN 1 ELSE 0 END) AS ran,
            MAX(CASE WHEN s.status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled,
            MAX(CASE WHEN s.status <> 'cancelled' AND s.starts_at > :now
                     THEN 1 ELSE 0 END) AS upcoming,
            MAX(CASE WHEN s.status <> 'cancelled' AND s.starts_at <= :now
                     THEN s.capacity ELSE 0 END) AS offered,{BOOKING_SUMS}
        FROM course_sessions s
        LEFT JOIN bookings b
            ON b.session_id = s.id AND s.status <> 'cancelled' AND s.starts_at <= :now
        WHERE s.starts_at >= :start AND s.starts_at < :end
        GROUP BY s.id, s.course_id, s.is_twilight
    )"""
PROGRAMME_SUMS = f"""
        COALESCE(SUM(ps.ran), 0) AS sessions_run,
        COUNT(DISTINCT CASE WHEN ps.ran = 1 THEN ps.course_id END) AS courses_run,
        COALESCE(SUM(ps.cancelled), 0) AS sessions_cancelled,
        COALESCE(SUM(ps.upcoming), 0) AS sessions_upcoming,
        COALESCE(SUM(ps.offered), 0) AS places_offered,{RESUMMED}"""

PROGRAMME_BY_MODE = f"""
WITH {PER_SESSION}
SELECT 'row' AS part, c.delivery_mode AS grp,{PROGRAMME_SUMS}
FROM per_session ps
JOIN courses c ON c.id = ps.course_id
GROUP BY c.delivery_mode
UNION ALL
SELECT 'total', NULL,{PROGRAMME_SUMS}
FROM per_session ps
"""

PROGRAMME_BY_THEME = f"""
WITH {PER_SESSION}
SELECT 'row' AS part, COALESCE(t.name, '') AS grp,{PROGRAMME_SUMS}
FROM per_session ps
LEFT JOIN course_themes ct ON ct.course_id = ps.course_id
LEFT JOIN themes t ON t.id = ct.theme_id
GROUP BY COALESCE(t.name, '')
UNION ALL
SELECT 'total', NULL,{PROGRAMME_SUMS}
FROM per_session ps
"""

# Attendance: booked bookings of sessions that ran, per agency recorded on the booking.
PER_AGENCY = f"""
    per_agency AS (
        SELECT b.agency_id,{BOOKING_SUMS},
            COUNT(ch.id) AS charges_raised,
            COALESCE(SUM(CASE WHEN ch.status <> 'waived' THEN ch.amount_pence ELSE 0 END), 0)
                AS charged_pence
        FROM bookings b
        JOIN course_sessions s ON s.id = b.session_id
        LEFT JOIN non_attendance_charges ch ON ch.booking_id = b.id
        WHERE s.starts_at >= :start AND s.starts_at < :end
          AND s.status <> 'cancelled' AND s.starts_at <= :now
          AND (b.status = 'confirmed' OR (b.status = 'cancelled' AND b.is_late_cancellation = TRUE))
        GROUP BY b.agency_id
    )"""
CHARGE_SUMS = f"""{RESUMMED},
        COALESCE(SUM(charges_raised), 0) AS charges_raised,
        COALESCE(SUM(charged_pence), 0) AS charged_pence"""

ATTENDANCE_BY_AGENCY = f"""
WITH {PER_AGENCY}
SELECT 'row' AS part, a.name AS agency, a.sector,{CHARGE_SUMS}
FROM per_agency pa
JOIN agencies a ON a.id = pa.agency_id
GROUP BY a.id, a.name, a.sector
UNION ALL
SELECT 'total', NULL, NULL,{CHARGE_SUMS}
FROM per_agency
"""

ATTENDANCE_BY_SECTOR = f"""
WITH {PER_AGENCY}
SELECT 'row' AS part, a.sector,{CHARGE_SUMS}
FROM per_agency pa
JOIN agencies a ON a.id = pa.agency_id
GROUP BY a.sector
UNION ALL
SELECT 'total', NULL,{CHARGE_SUMS}
FROM per_agency
"""

# Multi-agency mix: per session that ran, who came (completed or partial); the summary and the
# chart's distribution of sessions by the number of sectors, from the same rows.
MULTI_AGENCY_MIX = """
WITH per AS (
    SELECT s.id AS session_id, c.title AS course, s.starts_at,
        COUNT(DISTINCT b.agency_id) AS agencies,
        COUNT(DISTINCT a.sector) AS sectors,
        COUNT(b.id) AS attended
    FROM course_sessions s
    JOIN courses c ON c.id = s.course_id
    LEFT JOIN bookings b
        ON b.session_id = s.id AND b.status = 'confirmed' AND b.outcome IN ('completed', 'partial')
    LEFT JOIN agencies a ON a.id = b.agency_id
    WHERE s.starts_at >= :start AND s.starts_at < :end
      AND s.status <> 'cancelled' AND s.starts_at <= :now
    GROUP BY s.id, c.title, s.starts_at
)
SELECT 'row' AS part, session_id, course, starts_at, agencies, sectors, attended,
    NULL AS sessions, NULL AS sessions_attended, NULL AS average_agencies,
    NULL AS average_sectors, NULL AS one_sector, NULL AS one_agency
FROM per
UNION ALL
SELECT 'summary', NULL, NULL, NULL, NULL, NULL, NULL,
    COUNT(*),
    COALESCE(SUM(CASE WHEN attended > 0 THEN 1 ELSE 0 END), 0),
    AVG(CASE WHEN attended > 0 THEN agencies END),
    AVG(CASE WHEN attended > 0 THEN sectors END),
    COALESCE(SUM(CASE WHEN sectors = 1 THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN agencies = 1 THEN 1 ELSE 0 END), 0)
FROM per
UNION ALL
SELECT 'chart', NULL, NULL, NULL, NULL, sectors, NULL, COUNT(*), NULL, NULL, NULL, NULL, NULL
FROM per
WHERE attended > 0
GROUP BY sectors
"""

# Unmet demand: per course with sessions that ran in the period or interest registered in it;
# the total's waiting counts different people over all those sessions.
WAITING = """
        FROM bookings b
        JOIN course_sessions s ON s.id = b.session_id
        WHERE s.starts_at >= :start AND s.starts_at < :end
          AND s.status <> 'cancelled' AND s.starts_at <= :now
          AND b.status = 'waitlisted'"""
UNMET_DEMAND = f"""
WITH ran AS (
    SELECT s.course_id, COUNT(*) AS sessions_run,
        SUM(CASE WHEN s.places_taken >= s.capacity THEN 1 ELSE 0 END) AS sessions_full
    FROM course_sessions s
    WHERE s.starts_at >= :start AND s.starts_at < :end
      AND s.status <> 'cancelled' AND s.starts_at <= :now
    GROUP BY s.course_id
), waiting AS (
    SELECT s.course_id, COUNT(DISTINCT b.user_id) AS waiting{WAITING}
    GROUP BY s.course_id
), interest AS (
    SELECT i.course_id, COUNT(*) AS interest,
        SUM(CASE WHEN i.notified_at IS NULL THEN 1 ELSE 0 END) AS interest_not_told
    FROM interests i
    WHERE i.created_at >= :start AND i.created_at < :end
    GROUP BY i.course_id
), per AS (
    SELECT c.id AS course_id, c.code, c.title AS course,
        COALESCE(r.sessions_run, 0) AS sessions_run,
        COALESCE(r.sessions_full, 0) AS sessions_full,
        CASE WHEN r.sessions_run > 0 AND r.sessions_full = r.sessions_run THEN 1 ELSE 0 END
            AS all_full,
        COALESCE(w.waiting, 0) AS waiting,
        COALESCE(i.interest, 0) AS interest,
        COALESCE(i.interest_not_told, 0) AS interest_not_told
    FROM courses c
    LEFT JOIN ran r ON r.course_id = c.id
    LEFT JOIN waiting w ON w.course_id = c.id
    LEFT JOIN interest i ON i.course_id = c.id
    WHERE r.course_id IS NOT NULL OR i.course_id IS NOT NULL
)
SELECT 'row' AS part, course_id, code, course, sessions_run, sessions_full, all_full, waiting,
    interest, interest_not_told
FROM per
UNION ALL
SELECT 'total', NULL, NULL, NULL,
    COALESCE(SUM(sessions_run), 0), COALESCE(SUM(sessions_full), 0), COALESCE(SUM(all_full), 0),
    (SELECT COUNT(DISTINCT b.user_id){WAITING}),
    COALESCE(SUM(interest), 0), COALESCE(SUM(interest_not_told), 0)
FROM per
"""

# Trend: the programme's and attendance's figures per financial year over the three years,
# sessions put in their year by their first date; different people waiting per year.
YEAR = """CASE WHEN s.starts_at < :second_year THEN :year1
             WHEN s.starts_at < :third_year THEN :year2
             ELSE :year3 END"""
TREND = f"""
WITH per_session AS (
    SELECT {YEAR} AS year,
        MAX(CASE WHEN s.status <> 'cancelled' AND s.starts_at <= :now THEN 1 ELSE 0 END) AS ran,
        MAX(CASE WHEN s.status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled,
        MAX(CASE WHEN s.status <> 'cancelled' AND s.starts_at <= :now
                 THEN s.capacity ELSE 0 END) AS offered,{BOOKING_SUMS},
        COUNT(ch.id) AS charges_raised,
        SUM(CASE WHEN ch.status <> 'waived' THEN ch.amount_pence ELSE 0 END) AS charged_pence
    FROM course_sessions s
    LEFT JOIN bookings b
        ON b.session_id = s.id AND s.status <> 'cancelled' AND s.starts_at <= :now
    LEFT JOIN non_attendance_charges ch
        ON ch.booking_id = b.id
       AND (b.status = 'confirmed' OR (b.status = 'cancelled' AND b.is_late_cancellation = TRUE))
    WHERE s.starts_at >= :start AND s.starts_at < :end
    GROUP BY s.id, s.starts_at
), per_year AS (
    SELECT year,
        SUM(ran) AS sessions_run, SUM(cancelled) AS sessions_cancelled,
        SUM(offered) AS places_offered,{RESUMMED},
        SUM(charges_raised) AS charges_raised, SUM(charged_pence) AS charged_pence
    FROM per_session
    GROUP BY year
), waiting AS (
    SELECT {YEAR} AS year, COUNT(DISTINCT b.user_id) AS waiting{WAITING}
    GROUP BY {YEAR}
)
SELECT 'row' AS part, py.*, COALESCE(w.waiting, 0) AS waiting
FROM per_year py
LEFT JOIN waiting w ON w.year = py.year
"""

# E-learning: held completions dated within the period's UK dates (both included), counted for
# the agency recorded on them; people are different people, once in the total however many rows.
HELD_COMPLETIONS = """
    held AS (
        SELECT c.user_id, c.agency_id, c.course_id, c.source
        FROM elearning_completions c
        WHERE c.withdrawn_at IS NULL
          AND c.completed_on >= :first_day AND c.completed_on <= :last_day
    )"""
COMPLETION_SUMS = """
        COUNT(h.user_id) AS completions,
        COUNT(DISTINCT h.user_id) AS people,
        COALESCE(SUM(CASE WHEN h.source = 'self_declared' THEN 1 ELSE 0 END), 0) AS declared"""

ELEARNING_BY_AGENCY = f"""
WITH {HELD_COMPLETIONS}
SELECT 'row' AS part, a.name AS agency, a.sector,{COMPLETION_SUMS}
FROM held h
JOIN agencies a ON a.id = h.agency_id
GROUP BY a.id, a.name, a.sector
UNION ALL
SELECT 'total', NULL, NULL,{COMPLETION_SUMS}
FROM held h
"""

ELEARNING_BY_SECTOR = f"""
WITH {HELD_COMPLETIONS}
SELECT 'row' AS part, a.sector,{COMPLETION_SUMS}
FROM held h
JOIN agencies a ON a.id = h.agency_id
GROUP BY a.sector
UNION ALL
SELECT 'total', NULL,{COMPLETION_SUMS}
FROM held h
"""

ELEARNING_BY_MODULE = f"""
WITH {HELD_COMPLETIONS}
SELECT 'row' AS part, m.id AS course_id, m.title AS module,
    COALESCE(m.module_code, '') AS module_code, COALESCE(p.name, '') AS provider,
    m.level,{COMPLETION_SUMS}
FROM held h
JOIN courses m ON m.id = h.course_id
LEFT JOIN providers p ON p.id = m.provider_id
GROUP BY m.id, m.title, m.module_code, p.name, m.level
UNION ALL
SELECT 'total', NULL, NULL, NULL, NULL, NULL,{COMPLETION_SUMS}
FROM held h
"""

FLOORS = {
    ("programme", "mode"): PROGRAMME_BY_MODE,
    ("programme", "theme"): PROGRAMME_BY_THEME,
    ("attendance-by-agency", None): ATTENDANCE_BY_AGENCY,
    ("attendance-by-sector", None): ATTENDANCE_BY_SECTOR,
    ("multi-agency-mix", None): MULTI_AGENCY_MIX,
    ("unmet-demand", None): UNMET_DEMAND,
    ("trend", None): TREND,
    ("elearning-by-agency", None): ELEARNING_BY_AGENCY,
    ("elearning-by-sector", None): ELEARNING_BY_SECTOR,
    ("elearning-by-module", None): ELEARNING_BY_MODULE,
}
# Columns read back as the app reads them (a moment, not SQLite's text).
RESULT_TYPES = {("multi-agency-mix", None): {"starts_at": UTCDateTime()}}
MOMENTS = ("start", "end", "now", "second_year", "third_year")
DAYS = ("first_day", "last_day")


def statement(key: tuple[str, str | None]) -> sa.TextClause | sa.TextualSelect:
    """The floor's SQL text with its moments bound as the app binds them (UTC; plain text on
    SQLite)."""
    sql = FLOORS[key]
    names = [name for name in MOMENTS if f":{name}" in sql]
    query = sa.text(sql).bindparams(*(sa.bindparam(name, type_=UTCDateTime()) for name in names))
    if ":first_day" in sql:
        query = query.bindparams(*(sa.bindparam(name, type_=sa.Date()) for name in DAYS))
    if ":year1" in sql:
        query = query.bindparams(*(sa.bindparam(f"year{n}", type_=sa.String()) for n in (1, 2, 3)))
    if key in RESULT_TYPES:
        return query.columns(**RESULT_TYPES[key])
    return query


def parameters(name: str, f: Filters, now: datetime) -> dict:
    """The period's bounds (for the trend: the three years it spans) and the moment `now`."""
    if name.startswith("elearning-"):
        return {"first_day": f.period.first, "last_day": f.period.last}
    if name != "trend":
        return {"start": f.period.starts_at, "end": f.period.ends_at, "now": now}
    years = periods.last_three_years(f.period)
    return {
        "start": years[0].starts_at,
        "end": years[-1].ends_at,
        "now": now,
        "second_year": years[1].starts_at,
        "third_year": years[2].starts_at,
        "year1": years[0].code,
        "year2": years[1].code,
        "year3": years[2].code,
    }
