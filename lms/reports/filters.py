"""What narrows a report: the period, and the course and agency it counts."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa

from lms.accounts.models import Agency, Sector
from lms.catalogue.models import Audience, Course, DeliveryMode, Theme, course_themes
from lms.core.errors import DomainError
from lms.extensions import db
from lms.reports import periods
from lms.reports.periods import Period

# The query parameters the command line and the API take, besides `period`.
NAMES = ("theme", "level", "mode", "audience", "sector", "agency")


@dataclass(frozen=True)
class Filters:
    period: Period
    theme: Theme | None = None
    level: int | None = None
    mode: DeliveryMode | None = None
    audience: Audience | None = None
    sector: Sector | None = None
    agency: Agency | None = None

    def course_conditions(self) -> list:
        conditions = []
        if self.theme is not None:
            themed = sa.select(course_themes.c.course_id).where(
                course_themes.c.theme_id == self.theme.id
            )
            conditions.append(Course.id.in_(themed))
        if self.level is not None:
            conditions.append(Course.level == self.level)
        if self.mode is not None:
            conditions.append(Course.delivery_mode == self.mode)
        if self.audience is not None:
            conditions.append(Course.audience == self.audience)
        return conditions

    def agency_conditions(self, agency_id, sector=None) -> list:
        """Conditions on the agency recorded on a booking (or an interest) and, given the
        agency's sector column, on its sector (else the caller joins the agency for it)."""
        conditions = []
        if self.agency is not None:
            conditions.append(agency_id == self.agency.id)
        if self.sector is not None and sector is not None:
            conditions.append(sector == self.sector)
        return conditions

    @property
    def narrows_agencies(self) -> bool:
        return self.agency is not None or self.sector is not None

    def for_period(self, period: Period) -> "Filters":
        return replace(self, period=period)

    def described(self) -> dict[str, str]:
        """What the filters are set to, in words, for headings and downloads."""
        shown = {
            "Theme": self.theme.name if self.theme else None,
            "Level": f"Level {self.level}" if self.level else None,
            "Delivery mode": self.mode.label if self.mode else None,
            "Audience": self.audience.label if self.audience else None,
            "Sector": self.sector.label if self.sector else None,
            "Agency": self.agency.name if self.agency else None,
        }
        return {name: value for name, value in shown.items() if value}


def parse_args(args: Mapping[str, str], *, now: datetime) -> Filters:
    """Filters from command-line options or API query parameters; a bad one is a DomainError
    naming it. Without a period, the current financial year."""
    text = (args.get("period") or "").strip()
    period = periods.parse(text) if text else periods.current_financial_year(now)
    return Filters(
        period=period,
        theme=theme_named(args.get("theme")),
        level=level_named(args.get("level")),
        mode=_enum(DeliveryMode, args.get("mode"), "mode"),
        audience=_enum(Audience, args.get("audience"), "audience"),
        sector=_enum(Sector, args.get("sector"), "sector"),
        agency=agency_named(args.get("agency")),
    )


def theme_named(value: str | None) -> Theme | None:
    if not value:
        return None
    theme = db.session.scalar(
        sa.select(Theme).where(sa.or_(Theme.slug == value, Theme.id == _int_or_zero(value)))
    )
    if theme is None:
        raise DomainError(f"There is no theme '{value}': use a theme's slug, such as neglect")
    return theme


def agency_named(value: str | None) -> Agency | None:
    if not value:
        return None
    agency = db.session.get(Agency, _int_or_zero(value))
    if agency is None:
        raise DomainError(f"There is no agency with the number '{value}'")
    return agency


def level_named(value: str | None) -> int | None:
    if not value:
        return None
    if value not in ("1", "2", "3", "4"):
        raise DomainError(f"The level must be 1, 2, 3 or 4, not '{value}'")
    return int(value)


def _enum(kind, value: str | None, name: str):
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise DomainError(f"The {name} must be one of {allowed}, not '{value}'") from None


def _int_or_zero(value: str) -> int:
    """The number written, or 0 (no row has it). ASCII digits only: "²".isdigit() is true, but
    int("²") fails."""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else 0
