"""Looking back at past sessions: history, courses, dashboards, export, demo data."""
