"""Kubernetes: the client and its threads, RBAC, the read side, the write side, rollouts."""
