"""Privacy: what is held about a person, their copy of it, erasure and the retention schedule."""
