"""Bookings, waiting lists, approvals, offers of freed places, interest and notifications."""
