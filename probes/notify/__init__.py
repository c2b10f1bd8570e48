"""Status updates and escalation pages: queued in the journal's outbox, then delivered."""
