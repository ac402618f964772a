"""Attendance: registers, virtual attendance import, close-out and non-attendance charges."""
