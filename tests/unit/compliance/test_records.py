from datetime import UTC, date, datetime

from compliance.gate import decide
from compliance.models import DialMode, DncList, LineType, Verdict
from compliance.records import dial_facts, dial_request


def test_rows_become_gate_inputs() -> None:
    campaign = {
        "campaign_id": 3,
        "jurisdiction": "CN",
        "purpose": "marketing",
        "pacing_mode": "ADAPT_TAPERED",
        "subject": "advisory",
    }
    product = {"risk_level": "R2", "kind": "advisory", "required_registration": "advisor"}
    request = dial_request(campaign, product, "+8613812345678")
    assert request.dial_mode is DialMode.PREDICTIVE
    assert request.required_registration == "advisor"

    facts = dial_facts(
        {
            "account_id": 9,
            "region": "CN",
            "risk_tolerance": "C3",
            "risk_assessed_on": date(2026, 1, 5),
            "existing_customer_since": date(2020, 1, 1),
            "extra": {"client_expects_calls": True},
        },
        {"line_type": "mobile"},
        consents=[
            {
                "consent_id": 5,
                "purpose": "marketing",
                "granted_at": datetime(2025, 1, 1, tzinfo=UTC),
                "revoked_at": None,
            }
        ],
        attempts=[
            {
                "created_at": datetime(2026, 6, 1, 2, tzinfo=UTC),
                "status": "completed",
                "abandoned": False,
                "e164": "+8613812345678",
                "campaign_id": 3,
                "subject": "advisory",
            },
            {
                "created_at": datetime(2026, 6, 1, 3, tzinfo=UTC),
                "status": "blocked",
                "abandoned": False,
                "e164": "+8613812345678",
                "campaign_id": 3,
                "subject": "advisory",
            },
        ],  # fmt: skip
        dnc_entries=[
            {
                "source": "cn_refusal",
                "added_at": datetime(2024, 1, 1, tzinfo=UTC),
                "expires_at": None,
                "scope": "all",
                "snapshot_id": None,
                "dnc_entry_id": 77,
            },
        ],  # fmt: skip
        dnc_snapshots=[
            {"snapshot_id": 1, "source": "national", "snapshot_date": date(2026, 5, 1)},
            {"snapshot_id": 2, "source": "national", "snapshot_date": date(2026, 5, 30)},
        ],
        agent_registrations=["advisor"],
    )
    assert facts.account.line_type is LineType.WIRELESS
    assert facts.account.risk_assessed_at == datetime(2026, 1, 5, tzinfo=UTC)
    assert len(facts.attempts) == 1  # the blocked attempt never reached the network
    assert facts.dnc_snapshots == {DncList.NATIONAL: date(2026, 5, 30)}
    assert facts.dnc[0].source_version == 77
    # consent was given after the 2024 refusal: marketing may resume
    decision = decide(request, facts, datetime(2026, 6, 2, 2, tzinfo=UTC))
    assert decision.verdict is Verdict.ALLOW, decision.reason
