"""The compliance gate's edge: load the facts for a batch of numbers, decide, audit.

The engine calls, before every dial::

    outcomes = await check_numbers(
        connection, campaign_id, claimed, now, dial_mode="predictive", rules=app[GATE_RULES]
    )

and acts on each `outcome.decision.verdict` (ALLOW / DELAY until / BLOCK / REQUIRE, see
`compliance.gate`), citing `outcome.audit_id` on the call attempt it writes.

The decision itself is the pure `compliance.gate.decide`; this module only gathers what it
reads. It is set-based: one query per kind of fact (campaign and product, callees, consents,
prior attempts across every campaign, do-not-call entries, the latest snapshot of each list,
the rep's registrations) for the whole batch, read in one repeatable-read snapshot, and one
INSERT … SELECT FROM unnest(...) that appends every decision to the audit log. A batch of
500 numbers costs the same eight queries as a batch of one.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import structlog

from compliance.audit import audit_entry
from compliance.campaign_checks import CampaignSetup, check_campaign_start
from compliance.gate import decide
from compliance.models import Decision, DialMode, DncList
from compliance.reasons_zh import reason_zh
from compliance.records import dial_facts, dial_request
from compliance.rules import (
    DEFAULT_GATE_RULES,
    DEFAULT_POLICY,
    DEFAULT_RULE_BOOK,
    FirmPolicy,
    GateRules,
    RuleBook,
    WeeklyHours,
    campaign_hours,
)
from dialer.engine.hopper import ClaimedNumber
from dialer.sql import load_queries

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.compliance", "gatekeeper.sql")

Row = Mapping[str, Any]


class GateError(Exception):
    """The gate could not load what it needs to decide; nothing was dialled or audited."""


class UnknownCampaign(GateError):
    """No campaign has this id: check the id, or create the campaign first."""


class UnknownNumber(GateError):
    """A claimed number has no phone record: reload the campaign's numbers from the hopper."""


@dataclass(frozen=True)
class GateOutcome:
    """The gate's decision for one claimed number and the audit record that holds it."""

    phone_id: int
    account_id: int
    e164: str
    decision: Decision
    audit_id: int


@dataclass(frozen=True)
class _CampaignFacts:
    campaign: Row
    product: Row | None
    snapshots: Sequence[Row]
    # the campaign's own calling windows (None: only the gate's)
    hours: WeeklyHours | None = None


def attempt_lookback(
    rule_book: RuleBook = DEFAULT_RULE_BOOK, policy: FirmPolicy = DEFAULT_POLICY
) -> timedelta:
    """How far back an attempt can still change a decision: the longest cap or lock period.

    Two days cover a per-local-day cap in any time zone; older attempts cannot matter.
    """
    hours = [48, policy.abandon_lock_hours or 0]
    for rule_set in rule_book.rule_sets:
        hours.append(rule_set.abandon_lock_hours or 0)
        hours.extend(state.frequency.hours for state in rule_set.states.values() if state.frequency)
    return timedelta(hours=max(hours))


async def _campaign_facts(connection: asyncpg.Connection, campaign_id: int) -> _CampaignFacts:
    row = await connection.fetchrow(QUERIES["gate_campaign"], campaign_id)
    if row is None:
        raise UnknownCampaign(f"no campaign {campaign_id}: check the id")
    campaign = dict(row)
    product = None
    if campaign["product_id"] is not None:
        product = {
            "risk_level": campaign["risk_level"],
            "kind": campaign["kind"],
            "required_registration": campaign["required_registration"],
        }
    snapshots = [dict(r) for r in await connection.fetch(QUERIES["gate_latest_snapshots"])]
    return _CampaignFacts(
        campaign=campaign,
        product=product,
        snapshots=snapshots,
        hours=campaign_hours(_json(campaign["calling_windows"])),
    )


def _json(value: Any) -> Any:
    """A jsonb column as read: decoded by the pool's codec, or text on a plain connection."""
    return json.loads(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class _Question:
    """What the engine asks of the gate: may these numbers of `campaign_id` be dialled at
    `now` in `mode`, to `agent_user_id` (or one of `candidates`), under `rules`?"""

    campaign_id: int
    mode: DialMode
    now: datetime
    agent_user_id: int | None
    candidates: Sequence[int]
    rules: GateRules


@dataclass(frozen=True)
class _BatchFacts:
    campaign: _CampaignFacts
    callees: dict[int, Row]
    consents: dict[int, list[Row]]
    attempts_by_account: dict[int, list[Row]]
    attempts_by_number: dict[str, list[Row]]
    dnc: dict[str, list[Row]]
    registrations: list[str] | None


async def _load_batch(
    connection: asyncpg.Connection,
    question: _Question,
    numbers: Sequence[ClaimedNumber],
    since: datetime,
) -> _BatchFacts:
    """Every fact the gate reads for the batch: one query per kind of fact."""
    now = question.now
    campaign = await _campaign_facts(connection, question.campaign_id)
    phone_ids = [n.phone_id for n in numbers]
    account_ids = sorted({n.account_id for n in numbers})
    e164s = sorted({n.e164 for n in numbers})
    callees: dict[int, Row] = {}
    for row in await connection.fetch(QUERIES["gate_callees"], phone_ids):
        callee = dict(row)
        if isinstance(callee["extra"], str):  # a connection without the pool's jsonb codec
            callee["extra"] = json.loads(callee["extra"])
        callees[callee["phone_id"]] = callee
    consents: dict[int, list[Row]] = defaultdict(list)
    for row in await connection.fetch(QUERIES["gate_consents"], account_ids):
        consents[row["account_id"]].append(row)
    attempts_by_account: dict[int, list[Row]] = defaultdict(list)
    attempts_by_number: dict[str, list[Row]] = defaultdict(list)
    for row in await connection.fetch(QUERIES["gate_attempts"], account_ids, e164s, since, now):
        attempts_by_account[row["account_id"]].append(row)
        attempts_by_number[row["e164"]].append(row)
    dnc: dict[str, list[Row]] = defaultdict(list)
    for row in await connection.fetch(QUERIES["gate_dnc_entries"], e164s, now):
        dnc[row["e164"]].append(row)
    registrations = await _rep_registrations(connection, campaign, question)
    return _BatchFacts(
        campaign=campaign,
        callees=callees,
        consents=consents,
        attempts_by_account=attempts_by_account,
        attempts_by_number=attempts_by_number,
        dnc=dnc,
        registrations=registrations,
    )


async def _rep_registrations(
    connection: asyncpg.Connection, campaign: _CampaignFacts, question: _Question
) -> list[str] | None:
    """What the rep (or every candidate rep) holds; None when no rep is known for it."""
    agent_user_id = question.agent_user_id
    required = campaign.product["required_registration"] if campaign.product else None
    reps = (
        [agent_user_id]
        if agent_user_id is not None
        else list(question.candidates)
        if required
        else []
    )
    if not reps:
        return None
    held = {
        r["user_id"]: set(r["registrations"])
        for r in await connection.fetch(QUERIES["gate_rep_registrations"], reps)
    }
    # what every one of them holds (a user not found holds nothing)
    common = set.intersection(*(held.get(rep, set()) for rep in reps))
    if agent_user_id is not None or required in common:
        return sorted(common)
    return None


async def _load_in_one_snapshot(
    connection: asyncpg.Connection,
    question: _Question,
    numbers: Sequence[ClaimedNumber],
    since: datetime,
) -> _BatchFacts:
    if connection.is_in_transaction():
        return await _load_batch(connection, question, numbers, since)
    # one snapshot of the database for every fact of the batch
    async with connection.transaction(isolation="repeatable_read", readonly=True):
        return await _load_batch(connection, question, numbers, since)


async def check_numbers(
    connection: asyncpg.Connection,
    campaign_id: int,
    numbers: Sequence[ClaimedNumber],
    now: datetime,
    *,
    dial_mode: str,
    agent_user_id: int | None = None,
    candidate_agent_user_ids: Sequence[int] = (),
    rules: GateRules = DEFAULT_GATE_RULES,
) -> list[GateOutcome]:
    """Decide every number of the batch at `now` and append each decision to the audit log.

    `dial_mode` is how the engine would dial them (preview, progressive, power, predictive
    or a campaign pacing-mode name); `agent_user_id` the rep the call goes to when already
    known (preview, callbacks). When it is not known, the gate REQUIREs a rep registered
    for the campaign's product (CN-A1 / FIRM-A1), unless `candidate_agent_user_ids`, the
    only reps the engine will connect these calls to, all hold that registration: then
    the requirement is met. `rules` are the service's rule book and firm policy (the app's
    `GATE_RULES`). The outcomes come back in the order of `numbers`.
    """
    if not numbers:
        return []
    strays = sorted({n.campaign_id for n in numbers} - {campaign_id})
    if strays:
        raise GateError(
            f"numbers of campaign(s) {strays} were passed for campaign {campaign_id}; "
            "check each campaign's numbers with its own call"
        )
    mode = DialMode(dial_mode)
    question = _Question(campaign_id, mode, now, agent_user_id, candidate_agent_user_ids, rules)
    since = now - attempt_lookback(rules.rule_book, rules.policy)
    batch = await _load_in_one_snapshot(connection, question, numbers, since)
    campaign_row = {**batch.campaign.campaign, "pacing_mode": question.mode.value}
    decided = [_decide_number(question, batch, campaign_row, number) for number in numbers]
    outcomes = await _append_decisions(connection, decided)
    _log_verdicts(question, outcomes)
    return outcomes


_Decided = tuple[ClaimedNumber, Decision, dict[str, Any]]


def _decide_number(
    question: _Question, batch: _BatchFacts, campaign_row: Row, number: ClaimedNumber
) -> _Decided:
    """The pure gate's decision for one number, and the audit entry that records it."""
    callee = batch.callees.get(number.phone_id)
    if callee is None:
        raise UnknownNumber(
            f"phone {number.phone_id} of campaign {question.campaign_id} has no phone record"
        )
    # the same person reached through another number, or this number under another
    # account (a shared line): both count towards caps and locks
    seen: dict[int, Row] = {}
    for row in (
        *batch.attempts_by_account[number.account_id],
        *batch.attempts_by_number[number.e164],
    ):
        seen[row["call_attempt_id"]] = row
    entries = batch.dnc[number.e164]
    referenced = [
        {"snapshot_id": e["snapshot_id"], "source": e["source"], "snapshot_date": d}
        for e in entries
        if e["snapshot_id"] is not None and (d := e["snapshot_date"]) is not None
    ]
    campaign = batch.campaign
    request = dial_request(campaign_row, campaign.product, number.e164)
    facts = dial_facts(
        callee,
        callee,
        consents=batch.consents[callee["account_id"]],
        attempts=sorted(seen.values(), key=lambda r: r["created_at"]),
        dnc_entries=entries,
        dnc_snapshots=[*campaign.snapshots, *referenced],
        agent_registrations=batch.registrations,
    )
    rules = question.rules
    decision = decide(
        request,
        facts,
        question.now,
        rule_book=rules.rule_book,
        policy=rules.policy,
        campaign_hours=campaign.hours,
    )
    entry = audit_entry(decision, request, facts)
    detail = {
        **entry["detail"],
        "campaign_id": question.campaign_id,
        "phone_id": number.phone_id,
        "agent_user_id": question.agent_user_id,
        "candidate_agent_user_ids": sorted(question.candidates),
        "reason_zh": reason_zh(decision),
    }
    return number, decision, {**entry, "detail": detail}


async def _append_decisions(
    connection: asyncpg.Connection, decided: list[_Decided]
) -> list[GateOutcome]:
    """Every decision into the audit log in one statement; the outcomes citing them."""
    rows = await connection.fetch(
        QUERIES["append_decisions"],
        [e["at"] for _, _, e in decided],
        [e["kind"] for _, _, e in decided],
        [e["subject_type"] for _, _, e in decided],
        [number.account_id for number, _, _ in decided],
        [json.dumps(e["detail"], ensure_ascii=False) for _, _, e in decided],
        None,
    )
    ordered = sorted(rows, key=lambda r: r["audit_id"])
    outcomes: list[GateOutcome] = []
    for (number, decision, _), row in zip(decided, ordered, strict=True):
        if row["phone_id"] != number.phone_id:
            raise GateError("audit ids came back out of order; no decision may be acted on")
        outcomes.append(
            GateOutcome(
                phone_id=number.phone_id,
                account_id=number.account_id,
                e164=number.e164,
                decision=decision,
                audit_id=row["audit_id"],
            )
        )
    return outcomes


def _log_verdicts(question: _Question, outcomes: list[GateOutcome]) -> None:
    verdicts: dict[str, int] = defaultdict(int)
    for outcome in outcomes:
        verdicts[outcome.decision.verdict.value] += 1
    log.info(
        "compliance_batch_decided",
        campaign_id=question.campaign_id,
        numbers=len(outcomes),
        dial_mode=question.mode.value,
        **{verdict.lower(): count for verdict, count in sorted(verdicts.items())},
    )


async def campaign_start_decision(
    connection: asyncpg.Connection,
    campaign_id: int,
    now: datetime,
    *,
    owned_caller_ids: Collection[str] | None = None,
    rules: GateRules = DEFAULT_GATE_RULES,
) -> Decision:
    """The campaign start check (`compliance.campaign_checks`) on the campaign's record.

    `owned_caller_ids` are the numbers the firm owns and answers (the carrier's caller IDs
    and the firm's callback number); None means they are not known here, so only that a
    valid caller ID is set is checked.
    """
    facts = await _campaign_facts(connection, campaign_id)
    campaign = facts.campaign
    caller_id = campaign["caller_id"]
    latest: dict[DncList, Any] = {DncList(s["source"]): s["snapshot_date"] for s in facts.snapshots}
    setup = CampaignSetup(
        campaign_id=str(campaign_id),
        profile=campaign["jurisdiction"],
        purpose=campaign["purpose"],
        dial_mode=DialMode(campaign["pacing_mode"]),
        caller_id=caller_id,
        caller_id_owned=caller_id is not None
        and (owned_caller_ids is None or caller_id in owned_caller_ids),
        ring_timeout_seconds=campaign["ring_seconds"],
        abandon_message_recorded=bool((campaign["abandon_message"] or "").strip()),
        dnc_snapshots=latest,
    )
    return check_campaign_start(setup, now, rule_book=rules.rule_book, policy=rules.policy)


async def campaign_start_problems(
    connection: asyncpg.Connection,
    campaign_id: int,
    now: datetime,
    *,
    owned_caller_ids: Collection[str] | None = None,
    rules: GateRules = DEFAULT_GATE_RULES,
) -> list[str]:
    """Why the campaign may not start now, one sentence per failed check ([] = it may).

    Checks: caller ID set (and owned, when `owned_caller_ids` is given), ring time of at
    least 15 s, an abandon message recorded when the pacing mode can abandon calls, and
    national do-not-call snapshots fresh enough for the campaign's profile.
    """
    decision = await campaign_start_decision(
        connection, campaign_id, now, owned_caller_ids=owned_caller_ids, rules=rules
    )
    return [f"{f.rule_id}: {f.explanation}" for f in decision.findings]
