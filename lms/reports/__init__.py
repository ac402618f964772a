"""Statistics for the PDL subgroup and agency coordinators: reports, downloads, charts."""
