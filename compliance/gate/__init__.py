"""The pre-dial compliance gate: may this number be dialled now, and if not, why?

The engine calls, before every dial::

    decision = decide(request, facts, now)            # DialRequest, DialFacts, aware now

and acts on `decision.verdict`:

- ALLOW: dial.
- REQUIRE: dial only as required: `decision.required_mode` (e.g. preview when US-C1 forbids
  automated dialing of a wireless number without consent) and/or route to a rep as the
  reason says (CN-A1 when the rep is not chosen yet).
- DELAY: do not dial before `decision.until`, the earliest instant at which the call
  becomes allowed if nothing else changes (every calling window in every candidate time
  zone, state windows, weekdays, holidays, make-up working days, caps and locks); that
  instant is itself allowed.
- BLOCK: do not dial; `decision.reason` says why and what would change it.

Every decision carries the ids of the rules that decided it (the reference's ids: US-H1,
US-F1, UK-T1, CN-C1, ...; FIRM-* for firm policy), the rule-set version(s) in force and
a reason in words a campaign manager understands. The gate is pure: no I/O, no clock;
`rule_book` and `policy` default to the shipped configuration.

When the number, the address or the region field point at other jurisdictions than the
campaign's profile, their rules apply too (G-2): adding a jurisdiction only ever adds
constraints, so a decision can only get stricter.

The gate is a package, one module per kind of check:

- `decision`: `decide`, and the verdict put in words (BLOCK, DELAY, REQUIRE, ALLOW);
- `evaluation`: what one decision is made from, and what the checks gather;
- `constraints`: every time constraint, in order: `hours` (calling windows) and `caps`
  (attempt caps, abandon locks);
- `checks`: the order of the blocks and requirements: `dnc` (do-not-call lists and
  registers), `consent` (consent, cold calls, wireless autodial) and `eligibility`
  (suitability, the rep's registration);
- `instants`: calendar months, and instants in words.
"""

from __future__ import annotations

from compliance.gate.decision import decide
from compliance.gate.instants import add_months, format_instant

__all__ = ["decide", "add_months", "format_instant"]
