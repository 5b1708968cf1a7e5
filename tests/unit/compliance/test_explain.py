import io
import json
from pathlib import Path

from compliance.explain import main

CASES = [
    {
        "id": "fl-early",
        "now": "2026-03-08T11:30:00Z",
        "number": "+13055550123",
        "profile": "US",
        "purpose": "marketing",
        "dial_mode": "predictive",
        "account": {
            "region": "FL",
            "address_time_zone": "America/New_York",
            "line_type": "wireless",
            "consents": [
                {"purpose": "marketing", "granted_at": "2025-01-01T00:00:00Z", "revoked_at": None}
            ],
        },
        "attempts": [],
        "subject": "advisory",
        "dnc": [],
    },
    {
        "id": "wireless-no-consent",
        "now": "2026-03-09T15:30:00Z",
        "number": "+13055550123",
        "profile": "US",
        "purpose": "marketing",
        "dial_mode": "predictive",
        "account": {"region": "FL", "line_type": "wireless"},
    },
    {
        "id": "cn-unsuitable",
        "now": "2026-03-09T03:30:00Z",
        "number": "+8613812345678",
        "profile": "CN",
        "purpose": "marketing",
        "dial_mode": "preview",
        "product_risk": "R3",
        "account": {
            "risk_level": "C2",
            "risk_assessed_at": "2026-01-01T00:00:00Z",
            "consents": [{"purpose": "marketing", "granted_at": "2025-01-01T00:00:00Z"}],
        },
        "agent_registrations": ["advisor"],
        "required_registration": "advisor",
    },
    {
        "id": "uk-client",
        "now": "2026-03-09T10:00:00Z",
        "number": "+442079460000",
        "profile": "UK",
        "purpose": "marketing",
        "dial_mode": "progressive",
        "account": {
            "region": "ENG",
            "existing_customer_since": "2021-01-01T00:00:00Z",
            "client_expects_calls": True,
        },
        "dnc": [{"list": "tps", "added_at": "2024-01-01T00:00:00Z", "snapshot_date": "2026-03-01"}],
    },
]


def run(tmp_path: Path, lines: list[str], *args: str) -> tuple[int, str, str]:
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    status = main(["--cases", str(cases), *args], stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_json_output_is_one_decision_per_case(tmp_path: Path) -> None:
    status, out, err = run(tmp_path, [json.dumps(c) for c in CASES], "--json")
    assert status == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in records] == [c["id"] for c in CASES]
    assert all(set(r) == {"id", "decision", "until", "rules", "reason"} for r in records)
    by_id = {r["id"]: r for r in records}
    assert by_id["fl-early"]["decision"] == "DELAY"
    assert by_id["fl-early"]["until"] == "2026-03-08T13:00:00Z"
    assert by_id["fl-early"]["rules"] == ["US-H1", "US-H2"]
    assert by_id["wireless-no-consent"] == {
        "id": "wireless-no-consent",
        "decision": "REQUIRE",
        "until": None,
        "rules": ["US-C1"],
        "reason": "Allowed only this way: this is a wireless number without prior express "
        "written consent, so it may only be dialled manually (preview mode).",
    }
    assert by_id["cn-unsuitable"]["decision"] == "BLOCK"
    assert by_id["cn-unsuitable"]["rules"] == ["CN-S1"]
    assert "exceeds the customer's tolerance C2" in by_id["cn-unsuitable"]["reason"]
    assert by_id["uk-client"]["rules"] == ["UK-T1"]


def test_readable_output_names_the_decision_rules_and_version(tmp_path: Path) -> None:
    status, out, _ = run(tmp_path, [json.dumps(CASES[0])])
    assert status == 0
    first, second = out.splitlines()
    assert first == (
        "fl-early: DELAY until 2026-03-08T13:00:00Z [US-H1, US-H2] (rules US-2026.1+firm-default-1)"
    )
    assert second.startswith("    Not now: US-H1 allows calls 08:00–21:00 local time")
    assert "Sun 09:00 EDT in America/New_York" in second


def test_a_malformed_case_is_reported_with_its_line_and_the_rest_decided(tmp_path: Path) -> None:
    bad = {"id": "x", "now": "2026-03-09T03:30:00Z", "profile": "CN"}
    typo = {**CASES[1], "acount": {}}
    status, out, err = run(
        tmp_path, [json.dumps(bad), "not json", json.dumps(typo), json.dumps(CASES[1])], "--json"
    )
    assert status == 1
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["wireless-no-consent"]
    assert "line 1: field 'number' is required" in err
    assert "line 2: not JSON" in err
    assert "line 3: unknown field(s) acount" in err


def test_missing_cases_file_is_a_usage_error(tmp_path: Path) -> None:
    err = io.StringIO()
    assert main(["--cases", str(tmp_path / "nope.jsonl")], stderr=err) == 2
    assert "cannot read" in err.getvalue()
    assert main([], stderr=io.StringIO()) == 2


def test_a_candidate_rule_book_changes_the_decision(tmp_path: Path) -> None:
    out = io.StringIO()
    assert main(["--print-rule-book"], stdout=out) == 0
    book = json.loads(out.getvalue())
    for rule_set in book["rule_sets"]:
        if rule_set["jurisdiction"] == "US":
            rule_set["version"] = "US-candidate"
            del rule_set["states"]["FL"]
    path = tmp_path / "book.json"
    path.write_text(json.dumps(book), encoding="utf-8")
    status, output, err = run(tmp_path, [json.dumps(CASES[0])], "--json", "--rule-book", str(path))
    assert status == 0, err
    record = json.loads(output)
    assert record["rules"] == ["US-H1"]
    assert record["until"] == "2026-03-08T13:00:00Z"


def test_chinese_summary_line_on_request(tmp_path: Path) -> None:
    status, out, _ = run(tmp_path, [json.dumps(CASES[0]), json.dumps(CASES[1])], "--zh")
    assert status == 0
    lines = out.splitlines()
    assert lines[2] == (
        "    暂缓拨打：不在美国联邦允许的呼叫时段（客户各可能时区当地 08:00–21:00）；"
        "不在州法允许的呼叫时段或当天为州法定假日。最早可拨打时间：2026-03-08 21:00（北京时间）。"
    )
    assert (
        lines[5] == "    有条件拨打：无线号码未获事先明确同意，只能人工预览拨打。请改用预览模式。"
    )


def test_the_shipped_sample_cases_are_decided_as_documented() -> None:
    sample = Path(__file__).resolve().parents[3] / "compliance" / "sample_cases.jsonl"
    out, err = io.StringIO(), io.StringIO()
    assert main(["--cases", str(sample), "--json"], stdout=out, stderr=err) == 0, err.getvalue()
    decided = {
        r["id"]: (r["decision"], r["until"], r["rules"][0])
        for r in map(json.loads, out.getvalue().splitlines())
    }
    assert decided == {
        "us-fl-before-eight": ("DELAY", "2026-03-08T13:00:00Z", "US-H1"),
        "us-wireless-no-consent": ("REQUIRE", None, "US-C1"),
        "us-florida-third-call": ("DELAY", "2026-03-10T15:00:00Z", "US-F1"),
        "us-national-dnc-recent-customer": ("ALLOW", None, "US-H1"),
        "us-stale-snapshot": ("BLOCK", None, "US-D2"),
        "uk-abandoned-yesterday": ("DELAY", "2026-03-12T11:00:00Z", "UK-A3"),
        "cn-make-up-saturday": ("ALLOW", None, "CN-H1"),
        "cn-spring-festival": ("DELAY", "2026-02-24T01:00:00Z", "CN-H1"),
        "cn-consent-withdrawn": ("BLOCK", None, "CN-C1"),
        "cn-c1-offered-r2": ("BLOCK", None, "CN-S1"),
    }
