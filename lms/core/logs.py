"""Application logging: one line per event, UTC timestamps, to standard error."""

import logging
import time


class UTCFormatter(logging.Formatter):
    converter = time.gmtime


def configure(level: int = logging.INFO) -> None:
    """Give the lms loggers a UTC-stamped handler unless the host already configured one."""
    logger = logging.getLogger("lms")
    if logger.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(
        UTCFormatter(
            "%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s %(message)s", "%Y-%m-%dT%H:%M:%S"
        )
    )
    logger.addHandler(handler)
    logger.setLevel(level)
