"""Writing a file so that nobody ever finds half of it: a full disk or a crash part-way leaves
the old file (or none), never a truncated one."""

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Write data to a hidden temporary file beside path, flush it to disk, then rename it
    over path in one step. On any failure the temporary file is removed and the error raised.
    The file is readable and writable by the service's own user only (0600)."""
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".part"
    )
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
        os.fsync(descriptor)
        os.close(descriptor)
        descriptor = None
        os.replace(temporary, path)
    except BaseException:
        if descriptor is not None:
            os.close(descriptor)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
