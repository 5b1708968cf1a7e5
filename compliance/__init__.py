"""The compliance gate: no call leaves the building that the rules forbid.

Pure core: no I/O, no clock, no dialer/aiohttp/asyncpg/twilio imports (import-linter
enforces it). Every function takes `now` as an aware datetime.

Modules
-------
- `models`: `DialRequest` (what the engine wants to dial), `DialFacts` (what is known about
  the callee), `Decision` (ALLOW | REQUIRE | DELAY | BLOCK, rule ids, rule-set version,
  reason) and `Finding` (one rule's verdict).
- `gate`: `decide(request, facts, now) -> Decision`, the function the engine calls before
  every dial (see its docstring for how to act on each verdict); a package with one
  module per kind of check (hours, caps, dnc, consent, eligibility) and `decision`.
- `rules`: the configuration: `RuleSet` versions per jurisdiction (US federal + FINRA 3230
  + states, UK, CN) with effective dates, `RuleBook.in_force(jurisdiction, date)`, and
  `FirmPolicy` (firm rules on top; they can only tighten), and `GateRules` (the two
  together: what the service loads from DIALER_COMPLIANCE_RULE_BOOK / DIALER_FIRM_POLICY
  and passes to every decision). All JSON round-trippable.
- `windows`: calling windows per local day in a time zone (DST-correct), rolling and daily
  caps, locks, and `earliest_common_open`, the exact earliest instant all allow.
- `calendars`: US state legal holidays, UK nations' bank holidays, China's statutory
  holidays and make-up working days (from the `holidays` package).
- `timezones`: number → jurisdiction, US state and time zones (phonenumbers); address time
  zone and region field; the union of all is where the callee may be (strictest wins).
- `campaign_checks`: `check_campaign_start(setup, now)`: caller ID, ring time, abandon
  message, DNC snapshot freshness.
- `records`: `dial_request(campaign, product, e164)` and `dial_facts(account, phone, ...)`
  build the gate's inputs from database rows (the columns of migration 0001).
- `audit`: `audit_entry(decision, request, facts)`: the `audit_log` row for a decision.
- `explain`: `main(argv)` for `dialer compliance explain --cases FILE.jsonl [--json]`.
- `reasons_zh`: a Chinese summary of a decision.
- `dnc_files`: the layouts of do-not-call files (the firm's list, the US, UK and China
  registers) read line by line into normalised numbers or counted rejects.

What the gate checks (rule ids from docs' reference compliance-rules.md)
------------------------------------------------------------------------
G-1 valid number; G-2 jurisdictions = campaign profile ∪ number prefix ∪ address time zone ∪
region field; hours US-H1, US-H2 (FL/MD/OK 08–20, TX, MS, PA holidays), UK-H1, CN-H1 in every
candidate time zone; caps US-F1 (3 per rolling 24 h per person and subject), FIRM-F1/F2,
locks UK-A3 / FIRM-A3 after an abandoned call (not when a rep is reserved); DNC US-D1..D4,
UK-T1..T3, CN-C2 (refusal until consent again); consent CN-C1, US-C1 (REQUIRE preview);
suitability CN-S1/S2 (FIRM-S1/S2 outside China), professional investors exempt by firm
policy CN-S4 (FIRM-S4); rep registration CN-A1 (FIRM-A1).
Service calls (G-3) run hours, caps, abandon locks, US-C1, registration and firm DNC
entries with scope "all".

Known limits
------------
- A rule-set version that takes effect between `now` and a DELAY's `until` is not looked
  ahead to; the engine asks again at dial time, which uses the version then in force.
- A national DNC snapshot date that is not given is not treated as stale by `decide` (the
  campaign start check refuses to start marketing without one).
- China's make-up working days are known up to the `holidays` release installed; later
  years fall back to weekends and fixed-date holidays until the package is updated.
"""
