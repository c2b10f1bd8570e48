"""The journal: the only owner of SQL and the schema; keyframes, outbox, read-back."""
