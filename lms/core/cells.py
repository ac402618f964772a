"""Spreadsheet cells that cannot run as formulas when a download is opened in Excel."""

UNSAFE_CELL_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A spreadsheet cell that cannot run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(UNSAFE_CELL_START) else text
