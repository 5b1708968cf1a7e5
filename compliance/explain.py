"""`dialer compliance explain --cases FILE.jsonl [--json]`: the gate's answer for test cases.

Each input line is one case (JSON)::

    {"id": "...", "now": "2026-03-08T14:30:00Z", "number": "+13055550123",
     "profile": "US", "purpose": "marketing", "dial_mode": "predictive",
     "account": {"region": "FL", "address_time_zone": "America/New_York",
                 "line_type": "wireless", "risk_level": "C3", "risk_assessed_at": "...",
                 "existing_customer_since": "...", "last_transaction_at": "...",
                 "client_expects_calls": true,
                 "consents": [{"purpose": "marketing", "granted_at": "...", "revoked_at": null}]},
     "product_risk": "R2", "attempts": [{"at": "...", "subject": "advisory", "abandoned": false}],
     "subject": "advisory",
     "dnc": [{"list": "firm", "added_at": "...", "snapshot_date": "..."}],
     "dnc_snapshots": {"national": "2026-03-01"},
     "agent_registrations": ["advisor"], "required_registration": "advisor"}

and each output line is the decision::

    {"id": "...", "decision": "DELAY", "until": "2026-03-08T13:00:00Z",
     "rules": ["US-H1"], "reason": "..."}

Absent fields mean "no such fact"; `purpose` and `dial_mode` default to the strictest
(marketing, predictive). Without `--json` each decision is printed as readable lines
(`--zh` adds a Chinese summary line).
`--rule-book FILE` / `--policy FILE` load a candidate configuration (JSON of
`compliance.rules.RuleBook` / `FirmPolicy`; `--print-rule-book` prints the shipped one) so a
compliance officer can test a rule change on the cases before it goes live; the service
takes the same files from DIALER_COMPLIANCE_RULE_BOOK / DIALER_FIRM_POLICY.

Exit status: 0 when every case was decided, 1 when a case was malformed (reported on
stderr with its line number, the other cases are still decided), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from compliance.errors import ComplianceError, InvalidCase
from compliance.gate import decide
from compliance.models import Decision, DialFacts, DialRequest
from compliance.reasons_zh import reason_zh
from compliance.rules import DEFAULT_POLICY, DEFAULT_RULE_BOOK, FirmPolicy, RuleBook

_REQUEST_FIELDS = (
    "number",
    "profile",
    "purpose",
    "dial_mode",
    "subject",
    "product_risk",
    "product_class",
    "required_registration",
    "campaign_id",
)
_FACT_FIELDS = ("account", "attempts", "dnc", "dnc_snapshots", "agent_registrations")


def parse_case(case: dict[str, Any]) -> tuple[str, datetime, DialRequest, DialFacts]:
    """Split one case into the gate's inputs; raise InvalidCase saying what is wrong."""
    known = {"id", "now", *_REQUEST_FIELDS, *_FACT_FIELDS}
    unknown = sorted(set(case) - known)
    if unknown:
        raise InvalidCase(
            f"unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    for name in ("now", "number", "profile"):
        if case.get(name) in (None, ""):
            raise InvalidCase(f"field {name!r} is required")
    try:
        now = datetime.fromisoformat(str(case["now"]).replace("Z", "+00:00"))
    except ValueError as error:
        raise InvalidCase(f"'now' is not an ISO 8601 instant: {case['now']!r}") from error
    if now.tzinfo is None:
        raise InvalidCase("'now' needs a UTC offset, e.g. 2026-03-08T14:30:00Z")
    request_data = {k: case[k] for k in _REQUEST_FIELDS if case.get(k) is not None}
    request_data.setdefault("purpose", "marketing")
    request_data.setdefault("dial_mode", "predictive")
    facts_data = {k: case[k] for k in _FACT_FIELDS if case.get(k) is not None}
    try:
        request = DialRequest.model_validate(request_data)
        facts = DialFacts.model_validate(facts_data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise InvalidCase(problems) from error
    return str(case.get("id", "")), now, request, facts


def decision_record(case_id: str, decision: Decision) -> dict[str, Any]:
    until = (
        decision.until.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if decision.until else None
    )
    return {
        "id": case_id,
        "decision": decision.verdict.value,
        "until": until,
        "rules": list(decision.rules),
        "reason": decision.reason,
    }


def readable(record: dict[str, Any], decision: Decision, chinese: bool = False) -> str:
    until = f" until {record['until']}" if record["until"] else ""
    rules = ", ".join(record["rules"])
    text = (
        f"{record['id']}: {record['decision']}{until} [{rules}] "
        f"(rules {decision.rule_set_version})\n    {record['reason']}"
    )
    return text + (f"\n    {reason_zh(decision)}" if chinese else "")


def explain_lines(
    lines: Iterable[str], rule_book: RuleBook, policy: FirmPolicy
) -> Iterator[tuple[dict[str, Any], Decision] | InvalidCase]:
    """One decision record (or the reason the case is malformed) per non-blank line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            try:
                case = json.loads(line)
            except json.JSONDecodeError as error:
                raise InvalidCase(f"not JSON: {error.msg}") from error
            if not isinstance(case, dict):
                raise InvalidCase("a case is a JSON object")
            case_id, now, request, facts = parse_case(case)
            decision = decide(request, facts, now, rule_book=rule_book, policy=policy)
            yield decision_record(case_id, decision), decision
        except ComplianceError as error:
            yield InvalidCase(f"line {number}: {error}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialer compliance explain",
        description="Decide test cases with the compliance gate and explain each decision.",
    )
    parser.add_argument("--cases", type=Path, help="JSON Lines file, one case per line")
    parser.add_argument("--json", action="store_true", help="print JSON lines")
    parser.add_argument("--zh", action="store_true", help="add a Chinese summary (readable output)")
    parser.add_argument("--rule-book", type=Path, help="candidate rule book (JSON)")
    parser.add_argument("--policy", type=Path, help="candidate firm policy (JSON)")
    parser.add_argument(
        "--print-rule-book", action="store_true", help="print the shipped rule book as JSON"
    )
    return parser


def main(argv: list[str], stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.print_rule_book:
        out.write(DEFAULT_RULE_BOOK.model_dump_json(indent=2) + "\n")
        return 0
    if args.cases is None:
        err.write("dialer compliance explain: --cases FILE.jsonl is required\n")
        return 2
    try:
        rule_book = (
            RuleBook.model_validate_json(args.rule_book.read_text(encoding="utf-8"))
            if args.rule_book
            else DEFAULT_RULE_BOOK
        )
        policy = (
            FirmPolicy.model_validate_json(args.policy.read_text(encoding="utf-8"))
            if args.policy
            else DEFAULT_POLICY
        )
        text = args.cases.read_text(encoding="utf-8")
    except OSError as error:
        err.write(f"dialer compliance explain: cannot read {error.filename}: {error.strerror}\n")
        return 2
    except ValidationError as error:
        err.write(f"dialer compliance explain: invalid rule configuration: {error}\n")
        return 2
    status = 0
    for result in explain_lines(text.splitlines(), rule_book, policy):
        if isinstance(result, InvalidCase):
            err.write(f"dialer compliance explain: {result}\n")
            status = 1
        elif args.json:
            out.write(json.dumps(result[0], ensure_ascii=False) + "\n")
        else:
            out.write(readable(result[0], result[1], chinese=args.zh) + "\n")
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
