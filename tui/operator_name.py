"""The operator's name: who the journal says did each thing (every event's "by").

Kept apart from tui/config.py (pydantic): demo, drill and live's first frame check it
without loading the config's models.
"""

from __future__ import annotations

# characters in the operator's name: it is journaled in every event's "by" (a login name is
# at most 32 on Linux; room for a full name or an e-mail address)
MAX_OPERATOR = 64


def operator_problem(name: str, where: str) -> str | None:
    """Why `name` (from `where`: a variable or key) cannot be the operator's, or None."""
    if len(name) > MAX_OPERATOR:
        return (
            f"{where}: {len(name):,} characters; the operator's name, journaled in every event, "
            f"is at most {MAX_OPERATOR}"
        )
    return None
