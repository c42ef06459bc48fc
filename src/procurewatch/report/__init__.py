"""The report: the counts as Rich tables, CSV, JSON or one self-contained HTML page."""
