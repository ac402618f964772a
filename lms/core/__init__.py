"""Pieces every feature uses: the model base, errors, permissions, security headers."""
