"""The memory of the console: events, the fold, the journal and the guide's policy.

Pure: imports only the standard library and pydantic.
"""
