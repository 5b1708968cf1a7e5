"""What one decision is made from: the request, the facts, `now`, where the callee may be,
the rule sets in force there, and what the checks have gathered so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from compliance.models import (
    Attempt,
    ConsentPurpose,
    DialFacts,
    DialRequest,
    Finding,
    Jurisdiction,
    Purpose,
    Verdict,
)
from compliance.rules import FirmPolicy, RuleSet, WeeklyHours
from compliance.timezones import Whereabouts
from compliance.windows import TimeConstraint


@dataclass
class Evaluation:
    """One request under evaluation: the checks add time constraints and the ids of the
    rules they checked (in the order checked, which is the order an ALLOW cites them)."""

    request: DialRequest
    facts: DialFacts
    now: datetime
    where: Whereabouts
    rule_sets: dict[Jurisdiction, RuleSet]
    policy: FirmPolicy
    e164: str
    # the campaign's own calling windows (CAMPAIGN-H1), None when it sets none
    campaign_hours: WeeklyHours | None = None
    constraints: list[TimeConstraint] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def marketing(self) -> bool:
        return self.request.purpose is Purpose.MARKETING

    @property
    def attempts(self) -> list[Attempt]:
        # Attempts after `now` are not known yet; counting them would make the answer
        # depend on the future.
        return [a for a in self.facts.attempts if a.at <= self.now]

    def has(self, jurisdiction: Jurisdiction) -> bool:
        return jurisdiction in self.rule_sets

    def check(self, rule_id: str) -> None:
        if rule_id not in self.checked:
            self.checked.append(rule_id)

    def marketing_consent(self, at: datetime, after: datetime | None = None) -> bool:
        """A marketing consent valid at `at` (and granted after `after`, when given)."""
        return any(
            c.purpose is ConsentPurpose.MARKETING
            and c.valid_at(at)
            and (after is None or c.granted_at > after)
            for c in self.facts.account.consents
        )


def block(rule_id: str, explanation: str) -> Finding:
    return Finding(rule_id=rule_id, verdict=Verdict.BLOCK, explanation=explanation)
