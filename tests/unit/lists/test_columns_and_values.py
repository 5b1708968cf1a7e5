"""Header recognition, explicit mappings, cell values, segments and tiers."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campaigns.lists.columns import Field, header_key, parse_mapping, recognise
from campaigns.lists.errors import MappingError, RulesError
from campaigns.lists.segments import (
    Classifier,
    Segment,
    SegmentRules,
    Tier,
    segment_from_label,
    tier_from_label,
)
from campaigns.lists.values import (
    BadValue,
    parse_amount_cents,
    parse_date,
    parse_risk_tolerance,
)
from tests.unit.lists.factories import CN_HEADER, EN_HEADER


def test_chinese_headers() -> None:
    mapping = recognise(CN_HEADER)
    single = mapping.single
    assert single[Field.ACCOUNT_NUMBER] == 0
    assert single[Field.NAME] == 1
    assert mapping.phones == (2, 3)
    assert single[Field.BRANCH] == 4
    assert single[Field.MANAGER] == 5
    assert single[Field.ASSETS] == 6
    assert single[Field.OPENED_ON] == 7
    assert single[Field.LAST_TRADE_ON] == 8
    assert single[Field.RISK_TOLERANCE] == 9
    assert single[Field.CITY] == 10
    assert mapping.extras == (("备注", 11),)


def test_english_headers() -> None:
    mapping = recognise(EN_HEADER)
    assert mapping.single[Field.ACCOUNT_NUMBER] == 0
    assert mapping.single[Field.NAME] == 1
    assert mapping.phones == (2, 3)
    assert mapping.single[Field.LAST_TRADE_ON] == 8
    assert mapping.extras == (("Note", 11),)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("资金账号", Field.ACCOUNT_NUMBER),
        ("客户编号", Field.ACCOUNT_NUMBER),
        ("姓名", Field.NAME),
        ("手机", Field.PHONE),
        ("联系电话", Field.PHONE),
        ("电话", Field.PHONE),
        ("手机2", Field.PHONE),
        ("Mobile Phone (2)", Field.PHONE),
        ("资产", Field.ASSETS),
        ("风险等级", Field.RISK_TOLERANCE),
        ("地址", Field.ADDRESS),
        ("省份", Field.REGION),
        ("account_number", Field.ACCOUNT_NUMBER),
        ("\ufeff客户号", Field.ACCOUNT_NUMBER),
    ],
)
def test_header_synonyms(header: str, field: Field) -> None:
    mapping = recognise(
        [header, "姓名", "手机号码"] if field is not Field.NAME else [header, "手机"]
    )
    described = mapping.describe()
    assert described[header.strip()] == field.value


def test_header_key() -> None:
    assert header_key(" Mobile-Phone_2 ") == "mobilephone"
    assert header_key("资产（万元）") == "资产"


def test_assets_in_ten_thousands() -> None:
    mapping = recognise(["姓名", "手机", "资产(万元)"])
    assert mapping.assets_multiplier == Decimal(10_000)


def test_explicit_mapping_overrides_recognition() -> None:
    mapping = recognise(
        ["客户", "号码", "电话", "营业部"],
        parse_mapping('{"客户": "name", "号码": "phone", "电话": "extra", "营业部": "ignore"}'),
    )
    assert mapping.single[Field.NAME] == 0
    assert mapping.phones == (1,)
    assert mapping.extras == (("电话", 2),)
    assert Field.BRANCH not in mapping.single


def test_mapping_as_pairs() -> None:
    assert parse_mapping("备用号码=phone, 客户=NAME") == {
        "备用号码": Field.PHONE,
        "客户": Field.NAME,
    }
    assert parse_mapping("") == {}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("a=b", "unknown field 'b'"),
        ("nonsense", "must look like header=field"),
        ("{not json", "not valid JSON"),
        ("[1]", "not valid JSON|must be a JSON object"),
    ],
)
def test_bad_mappings(spec: str, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        parse_mapping(spec)


def test_mapping_naming_a_missing_column() -> None:
    with pytest.raises(MappingError, match="does not have: 备用号码"):
        recognise(["姓名", "手机"], {"备用号码": Field.PHONE})


def test_a_file_without_phone_or_name_columns_is_refused() -> None:
    with pytest.raises(MappingError, match="no phone column"):
        recognise(["姓名", "城市"])
    with pytest.raises(MappingError, match="no name column"):
        recognise(["手机", "城市"])


def test_duplicate_single_field_keeps_the_first_and_the_rest_as_extras() -> None:
    mapping = recognise(["姓名", "客户姓名", "手机"])
    assert mapping.single[Field.NAME] == 0
    assert mapping.extras == (("客户姓名", 1),)


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("0", 0),
        ("120000", 12_000_000),
        ("1,234.56", 123_456),
        ("¥1,234.5", 123_450),
        ("12.5万", 12_500_000),
        ("1亿", 10_000_000_000),
        ("0.005", 1),
        ("100元", 10_000),
        ("", None),
    ],
)
def test_amounts(text: str, cents: int | None) -> None:
    assert parse_amount_cents(text) == cents


def test_amount_multiplier() -> None:
    assert parse_amount_cents("12", Decimal(10_000)) == 12_000_000
    assert parse_amount_cents("1.5", Decimal(10_000)) == 1_500_000


@pytest.mark.parametrize("text", ["-5", "abc", "NaN", "1e400", "12..3", "9" * 30])
def test_bad_amounts(text: str) -> None:
    with pytest.raises(BadValue):
        parse_amount_cents(text)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2024-03-05", "2024-03-05"),
        ("2024/3/5", "2024-03-05"),
        ("2024.03.05", "2024-03-05"),
        ("2024年3月5日", "2024-03-05"),
        ("20240305", "2024-03-05"),
        ("2024-03-05 10:11:12", "2024-03-05"),
        ("", None),
    ],
)
def test_dates(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    "text", ["2024-02-30", "05/03/2024", "yesterday", "2024-13-01", "20241340"]
)
def test_bad_dates(text: str) -> None:
    with pytest.raises(BadValue):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "level"), [("C3", "C3"), ("c5", "C5"), ("1", "C1"), ("稳健型", "C3"), ("激进型", "C5")]
)
def test_risk_levels(text: str, level: str) -> None:
    assert parse_risk_tolerance(text) == level


def test_bad_risk_level() -> None:
    with pytest.raises(BadValue, match="C1-C5"):
        parse_risk_tolerance("C9")


AS_OF = datetime.date(2026, 11, 23)


def classify(**overrides: object) -> Segment:
    values: dict[str, object] = {
        "account_number": "31000000001",
        "assets_cents": 10_000_000,
        "opened_on": "2020-01-01",
        "last_trade_on": "2026-11-01",
        "has_manager": True,
    }
    values.update(overrides)
    return Classifier(SegmentRules(), AS_OF).segment(**values)  # type: ignore[arg-type]


def test_segment_rules_in_order() -> None:
    assert classify(account_number=None) is Segment.PROSPECT
    assert classify(account_status="已转出") is Segment.LAPSED
    assert classify(account_status="销户") is Segment.LAPSED
    assert classify(advisory_status="退签") is Segment.WITHDRAWN
    assert classify(opened_on="2026-10-01", assets_cents=0) is Segment.NEW
    assert classify(last_trade_on="2026-05-26") is Segment.LAPSED  # 181 days before
    assert classify(last_trade_on="2026-05-27") is not Segment.LAPSED  # 180 days: not yet
    assert classify(assets_cents=99_999) is Segment.EMPTY
    assert classify(assets_cents=100_000, has_manager=True) is Segment.DORMANT  # fallback
    assert classify(assets_cents=1_000_000, last_trade_on="2026-07-01") is Segment.DORMANT
    assert classify(has_manager=False) is Segment.ORPHAN


def test_segment_rules_are_configurable() -> None:
    rules = SegmentRules(
        lapsed_after_days=30,
        dormant_after_days=20,
        empty_below=Decimal("10"),
        fallback=Segment.ORPHAN,
    )
    classifier = Classifier(rules, AS_OF)
    assert (
        classifier.segment(
            account_number="1",
            assets_cents=2_000,
            opened_on=None,
            last_trade_on="2026-10-20",
            has_manager=True,
        )
        is Segment.LAPSED
    )
    assert (
        classifier.segment(
            account_number="1",
            assets_cents=2_000,
            opened_on=None,
            last_trade_on=None,
            has_manager=True,
        )
        is Segment.ORPHAN
    )


def test_tiers() -> None:
    classifier = Classifier(SegmentRules(), AS_OF)
    assert classifier.tier(None) is Tier.SILVER
    assert classifier.tier(49_999_999) is Tier.SILVER
    assert classifier.tier(50_000_000) is Tier.GOLD
    assert classifier.tier(500_000_000) is Tier.DIAMOND


def test_inconsistent_rules_are_refused() -> None:
    with pytest.raises(RulesError, match="gold threshold"):
        SegmentRules(gold_from=Decimal(10), diamond_from=Decimal(5))
    with pytest.raises(RulesError):
        SegmentRules(dormant_after_days=400)


def test_labels() -> None:
    assert segment_from_label("流失") is Segment.LAPSED
    assert segment_from_label(" Orphan ") is Segment.ORPHAN
    assert segment_from_label("?") is None
    assert tier_from_label("钻卡") is Tier.DIAMOND
    assert tier_from_label("Gold") is Tier.GOLD


@settings(max_examples=300)
@given(
    st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False),
    st.booleans(),
)
def test_plain_amounts_agree_with_decimal_arithmetic(amount: Decimal, grouped: bool) -> None:
    text = f"{amount:,.2f}" if grouped else f"{amount:.2f}"
    assert parse_amount_cents(text) == int(amount * 100)
    assert parse_amount_cents(text + "元") == int(amount * 100)  # the Decimal path
