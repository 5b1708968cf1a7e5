"""The pure pieces of the customer pop: assets bands, masked numbers, zones, the script."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from campaigns.agents import RepState
from dialer.console.customer_pop import ASSETS_BANDS, TOP_BAND, assets_band, script_text
from dialer.console.stats import day_bounds
from dialer.floor.customers import customer_time_zone, mask_number
from dialer.floor.sessions import can_move


def test_assets_bands_cut_at_their_limits():
    assert assets_band(0) == "under_10k"
    assert assets_band(999_999) == "under_10k"
    assert assets_band(1_000_000) == "10k_100k"
    assert assets_band(499_999_999) == "1m_5m"
    assert assets_band(500_000_000) == TOP_BAND


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=10**12))
def test_more_assets_never_give_a_lower_band(a: int, b: int):
    order = [band for _, band in ASSETS_BANDS] + [TOP_BAND]
    low, high = sorted((a, b))
    assert order.index(assets_band(low)) <= order.index(assets_band(high))


@given(st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True))
def test_a_masked_number_hides_the_middle_and_keeps_the_length(e164: str):
    masked = mask_number(e164)
    assert len(masked) == len(e164)
    assert "*" in masked
    assert masked != e164


def test_the_customer_zone_comes_from_the_address_then_the_number():
    assert customer_time_zone("+12025550123", "America/Chicago") == "America/Chicago"
    assert customer_time_zone("+12025550123", None) == "America/New_York"
    assert customer_time_zone("+8613812345678", None) == "Asia/Shanghai"
    assert customer_time_zone(None, None) == "Asia/Shanghai"


def test_a_cn_script_names_the_rep_firm_qualification_and_risk():
    script = script_text(
        "CN",
        "请介绍产品。",
        rep_name="李娜",
        qualification_number="S1234567890",
        firm_name="示例证券",
        product_name="成长投顾组合",
        product_risk="R3",
        disclosure="",
    )
    assert "示例证券" in script["opening"] and "李娜" in script["opening"]
    assert "S1234567890" in script["opening"]
    kinds = {d["kind"]: d["text"] for d in script["disclosures"]}
    assert kinds["risk_warning"] == "成长投顾组合风险等级为R3，投资有风险，入市需谨慎。"
    us = script_text(
        "US",
        "",
        rep_name="Ann",
        qualification_number=None,
        firm_name="Example Securities",
        product_name=None,
        product_risk=None,
        disclosure="",
    )
    assert "Ann" in us["opening"] and "not registered" in us["opening"]


def test_the_console_uses_the_engines_transition_table():
    assert can_move(RepState.READY, RepState.RESERVED)
    assert can_move(RepState.WRAP_UP, RepState.PAUSED)
    assert not can_move(RepState.ON_CALL, RepState.READY)
    assert not can_move(RepState.PAUSED, RepState.ON_CALL)


def test_my_day_starts_at_local_midnight():
    start, end = day_bounds(datetime(2026, 11, 23, 17, 0, tzinfo=UTC), "Asia/Shanghai")
    assert start.isoformat() == "2026-11-24T00:00:00+08:00"
    assert (end - start).total_seconds() == 24 * 3600
