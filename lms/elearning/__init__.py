"""E-learning completions: provider files, live xAPI statements, the unmatched queue,
self-declared training and renewals."""
