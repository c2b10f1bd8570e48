"""The wiring: the App, its screens and bindings, the command line, configuration."""

__version__ = "0.1.0"
