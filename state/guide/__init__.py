"""The guide's rules: severity, SLA targets, escalation, cadence, resolution, drills."""
