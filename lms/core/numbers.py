"""The one rounding rule for every figure the product publishes: exact halves round up (away from
zero), as official statistics do, so 52 of 64 is 81.3%, never the 81.2% of Python's `round`."""

from decimal import ROUND_HALF_UP, Decimal

PLACES = 1  # percentages and averages are shown to one decimal place


def round_half_up(value: Decimal | float | int, places: int = PLACES) -> Decimal:
    """The value to `places` decimal places, exact halves away from zero: 81.25 -> 81.3.
    A float is taken as it is written (81.25), not as its binary approximation."""
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def percentage(part: int | None, whole: int | None, places: int = PLACES) -> float | None:
    """`part` as a percentage of `whole`, rounded half up; None when there is nothing to divide
    by. A float, so that JSON, spreadsheets and CSV files hold it as a number."""
    if not whole:
        return None
    return float(round_half_up(Decimal(part or 0) * 100 / Decimal(whole), places))


def decimal_text(value: Decimal | float | int, places: int = PLACES) -> str:
    """A figure as text to `places` decimal places, rounded half up, with thousands separated:
    1,234.5."""
    return f"{round_half_up(value, places):,}"
