"""Textual widgets that render a slice of the console state. They never touch probes."""
