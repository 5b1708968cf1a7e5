import json

from compliance.audit import audit_entry
from compliance.gate import decide

from .builders import at, facts, request


def test_the_audit_entry_carries_rules_version_inputs_and_data_versions() -> None:
    req = request(campaign_id=7)
    known = facts(
        account={
            "account_id": 42,
            "region": "FL",
            "risk_level": "C3",
            "risk_assessment_id": "ra-9",
            "risk_assessed_at": "2026-01-05T00:00:00Z",
            "consents": [
                {"purpose": "marketing", "granted_at": "2025-01-01T00:00:00Z", "record_id": 11}
            ],
        },
        dnc=[{"list": "national", "snapshot_date": "2026-05-20", "source_version": 3}],
        dnc_snapshots={"national": "2026-05-20"},
        attempts=[{"at": "2026-06-01T14:00:00Z", "subject": "advisory"}],
    )
    now = at("2026-06-02T11:00:00Z")  # 07:00 EDT: delayed
    decision = decide(req, known, now)
    entry = audit_entry(decision, req, known)
    assert entry["at"] == now
    assert entry["kind"] == "compliance_decision"
    assert (entry["subject_type"], entry["subject_id"]) == ("account", 42)
    detail = entry["detail"]
    assert detail["verdict"] == "DELAY"
    assert detail["rules"] == ["US-H1", "US-H2"]
    assert detail["until"] == "2026-06-02T13:00:00+00:00"  # 08:00 CDT: FL spans two zones
    assert detail["rule_set_version"] == "US-2026.1+firm-default-1"
    assert detail["callee_local_times"] == {
        "America/Chicago": "2026-06-02T06:00:00-05:00",
        "America/New_York": "2026-06-02T07:00:00-04:00",
    }
    assert detail["inputs"]["number"] == "+13055550123"
    assert detail["inputs"]["campaign_id"] == 7
    versions = detail["data_versions"]
    assert versions["dnc_snapshots"] == {"national": "2026-05-20"}
    assert versions["dnc_entries"][0]["source_version"] == 3
    assert versions["consents"][0]["record_id"] == 11
    assert versions["risk_assessment"] == {
        "id": "ra-9",
        "level": "C3",
        "assessed_at": "2026-01-05T00:00:00+00:00",
    }
    json.dumps(detail)  # the detail is stored as jsonb: it must serialise as is
