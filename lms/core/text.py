"""Cleaning text at the boundary: control characters never reach the database or a mail header.

A one-line value (a name, a title, a subject) loses every control character: C0 (NUL, CR, LF,
tab ...), DEL, C1 and the Unicode line and paragraph separators; each run of them becomes one
space. A multi-line value (a description, a reason) keeps its line breaks, as "\\n", and its tabs,
and loses the rest.
"""

import re

# C0 controls, DEL, C1 controls, and U+2028/U+2029 (line and paragraph separators).
_CONTROLS = "\x00-\x1f\x7f-\x9f\u2028\u2029"
_ONE_LINE_BREAKERS = re.compile(f"[{_CONTROLS}]+")
# A run of control characters with the spaces around it, which together become one space.
_ONE_LINE_RUN = re.compile(f"\\s*[{_CONTROLS}][\\s{_CONTROLS}]*")
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029\x85\x0b\x0c]")
_MULTI_LINE_REFUSED = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def single_line(value):
    """The value on one line: each run of control characters (with the spaces around it) becomes
    one space, and the ends are trimmed. Values that are not text are returned as they are."""
    if not isinstance(value, str) or not _ONE_LINE_BREAKERS.search(value):
        return value
    return _ONE_LINE_RUN.sub(" ", value).strip()


def secret(value):
    """A password or token: control characters removed, nothing else touched."""
    if not isinstance(value, str):
        return value
    return _ONE_LINE_BREAKERS.sub("", value)


def multi_line(value):
    """Text that may run over several lines: line breaks become "\\n", tabs stay, every other
    control character goes."""
    if not isinstance(value, str):
        return value
    value = _LINE_BREAKS.sub("\n", value)
    return _MULTI_LINE_REFUSED.sub("", value)


def has_nul(value) -> bool:
    return isinstance(value, str) and "\x00" in value
