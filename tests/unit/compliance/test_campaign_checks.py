from datetime import date

from compliance.campaign_checks import CampaignSetup, check_campaign_start
from compliance.models import DialMode, DncList, Jurisdiction, Purpose, Verdict

from .builders import at

NOW = at("2026-06-02T14:00:00Z")


def setup(**changes: object) -> CampaignSetup:
    data: dict[str, object] = {
        "profile": Jurisdiction.US,
        "purpose": Purpose.MARKETING,
        "dial_mode": DialMode.PREDICTIVE,
        "caller_id": "+12125550100",
        "caller_id_owned": True,
        "ring_timeout_seconds": 20,
        "abandon_message_recorded": True,
        "dnc_snapshots": {DncList.NATIONAL: date(2026, 5, 20)},
    }
    data.update(changes)
    return CampaignSetup.model_validate(data)


def test_a_campaign_in_order_may_start() -> None:
    decision = check_campaign_start(setup(), NOW)
    assert decision.verdict is Verdict.ALLOW
    assert decision.rules == ("US-CLI", "US-R1", "US-A2", "US-D2")


def test_every_failed_check_is_listed() -> None:
    decision = check_campaign_start(
        setup(
            caller_id=None,
            ring_timeout_seconds=10,
            abandon_message_recorded=False,
            dnc_snapshots={DncList.NATIONAL: date(2026, 4, 1)},
        ),
        NOW,
    )
    assert decision.verdict is Verdict.BLOCK
    assert decision.rules == ("US-CLI", "US-R1", "US-A2", "US-D2")
    assert "no caller ID is set" in decision.reason
    assert "ring 10 s" in decision.reason
    assert "62 days old" in decision.reason


def test_a_never_imported_snapshot_blocks_marketing_but_not_service() -> None:
    assert check_campaign_start(setup(dnc_snapshots={}), NOW).rules == ("US-D2",)
    service = setup(dnc_snapshots={}, purpose=Purpose.SERVICE)
    assert check_campaign_start(service, NOW).verdict is Verdict.ALLOW


def test_caller_id_must_be_valid_and_owned() -> None:
    assert check_campaign_start(setup(caller_id="+1234"), NOW).rules == ("US-CLI",)
    assert check_campaign_start(setup(caller_id_owned=False), NOW).rules == ("US-CLI",)


def test_ring_time_at_most_15_rings_in_the_us() -> None:
    assert check_campaign_start(setup(ring_timeout_seconds=120), NOW).rules == ("US-R1",)


def test_preview_campaign_needs_no_abandon_message() -> None:
    preview = setup(dial_mode=DialMode.PREVIEW, abandon_message_recorded=False)
    assert check_campaign_start(preview, NOW).verdict is Verdict.ALLOW


def test_uk_campaign_checks_tps_freshness() -> None:
    uk = setup(
        profile=Jurisdiction.UK,
        caller_id="+442079460001",
        dnc_snapshots={DncList.TPS: date(2026, 5, 1)},
    )
    decision = check_campaign_start(uk, NOW)
    assert decision.rules == ("UK-T1",)
    assert "32 days old" in decision.reason


UK = {"profile": Jurisdiction.UK, "caller_id": "+442079460001",
      "dnc_snapshots": {DncList.TPS: date(2026, 5, 20)}}  # fmt: skip


def test_uk_ring_time_must_be_at_least_15_seconds() -> None:
    decision = check_campaign_start(setup(**UK, ring_timeout_seconds=14), NOW)
    assert decision.verdict is Verdict.BLOCK
    assert decision.rules == ("UK-R1",)
    assert "ring 14 s; they must ring at least 15 s" in decision.reason
    assert check_campaign_start(setup(**UK, ring_timeout_seconds=15), NOW).verdict is (
        Verdict.ALLOW
    )
    # the UK sets no upper limit
    assert check_campaign_start(setup(**UK, ring_timeout_seconds=120), NOW).verdict is (
        Verdict.ALLOW
    )


def test_uk_campaign_that_may_abandon_calls_needs_an_abandon_message() -> None:
    silent = setup(**UK, abandon_message_recorded=False)
    decision = check_campaign_start(silent, NOW)
    assert decision.verdict is Verdict.BLOCK
    assert decision.rules == ("UK-A2",)
    assert "no abandon message" in decision.reason
    progressive = setup(**UK, abandon_message_recorded=False, dial_mode=DialMode.PROGRESSIVE)
    assert check_campaign_start(progressive, NOW).verdict is Verdict.ALLOW
    allowed = check_campaign_start(setup(**UK), NOW)
    assert allowed.verdict is Verdict.ALLOW
    assert {"UK-R1", "UK-A2", "UK-T1"} <= set(allowed.rules)
