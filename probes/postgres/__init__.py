"""PostgreSQL: the connection and redaction, the probe, the write side, the SQL."""
