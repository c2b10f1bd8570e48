"""Prometheus: the probe (probe.py) and the shape of its HTTP API replies (reply.py)."""
