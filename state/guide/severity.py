"""The guide's names: severities, incident status and response roles."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """The guide's four severity levels; P1 is the most severe."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def word(self) -> str:
        return _WORDS[self]

    @property
    def label(self) -> str:
        """Readable without colour, e.g. 'P1 CRITICAL'."""
        return f"{self.value} {self.word.upper()}"

    @property
    def rank(self) -> int:
        """1 for P1 … 4 for P4: smaller is more severe."""
        return int(self.value[1])

    def worst(self, other: Severity) -> Severity:
        return self if self.rank <= other.rank else other


_WORDS = {
    Severity.P1: "Critical",
    Severity.P2: "High",
    Severity.P3: "Medium",
    Severity.P4: "Low",
}


class IncidentStatus(StrEnum):
    """The guide's status page states for an incident."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"

    @property
    def word(self) -> str:
        return self.value.capitalize()


class Role(StrEnum):
    """The guide's response team roles."""

    IC = "IC"
    TL = "TL"
    CL = "CL"
    SME = "SME"

    @property
    def role_name(self) -> str:
        return _ROLE_TITLES[self]


_ROLE_TITLES = {
    Role.IC: "Incident Commander",
    Role.TL: "Technical Lead",
    Role.CL: "Communications Lead",
    Role.SME: "Subject Matter Expert",
}
