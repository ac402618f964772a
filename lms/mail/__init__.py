"""The mail outbox: every message is stored first, then delivered by run-jobs."""
