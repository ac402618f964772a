"""What the fuzzing tests share: hypothesis bounded and repeatable (so CI's time is known), the
characters that break parsers, and the check that none of them got through."""

import re

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Control characters, NUL and the line and paragraph separators: never in a stored value.
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Characters that break things: controls, NUL, quotes, separators, digits of other scripts.
BREAKERS = '\x00\r\n\t\x0b\x1f\x7f\x85\u2028\ufeff",;:/.-+@ 0123456789٢²¹৩'


def bounded(max_examples: int, *also_suppressed: HealthCheck) -> settings:
    """Settings for a fuzzing test: `max_examples` examples, derandomised, nothing saved."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, *also_suppressed],
    )


def nasty(extra: str = "", *, max_size: int = 40) -> st.SearchStrategy[str]:
    """Any text, leaning on the characters that break parsers and on `extra`."""
    return st.text(
        st.one_of(st.characters(codec="utf-8"), st.sampled_from(BREAKERS + extra)),
        max_size=max_size,
    )


def json_values(text: st.SearchStrategy[str], *, max_leaves: int) -> st.SearchStrategy:
    """Any JSON value: nulls, booleans, numbers and `text`, nested in lists and objects."""

    def nested(inner):
        return st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3)

    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text
    return st.recursive(scalars, nested, max_leaves=max_leaves)
