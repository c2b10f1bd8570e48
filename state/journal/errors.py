"""The one error a journal raises: what is wrong with it, in one line a person can act on."""


class JournalError(Exception):
    """A journal that cannot be used, said in one line a person can act on."""
