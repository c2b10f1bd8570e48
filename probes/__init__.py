"""Adapters to the outside world (and the simulated cluster), each emitting state events."""
