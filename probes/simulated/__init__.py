"""The built-in simulated Tracktion cluster: the console works with nothing installed."""
