"""Every reject reason, the merge rules, the reject file, and rows = accepted + merged + rejected."""

from __future__ import annotations

import csv
import datetime
import io
import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.lists.columns import recognise
from campaigns.lists.merging import merge_rows
from campaigns.lists.phones import PhoneNormaliser
from campaigns.lists.reading import SourceRow, inspect, read_rows
from campaigns.lists.rejects import neutralise, write_rejects
from campaigns.lists.segments import Classifier, Segment, SegmentRules, Tier
from campaigns.lists.staging import STAGING_COLUMNS, Stager, StagingContext, pg_array
from campaigns.lists.validation import AcceptedRow, RejectedRow, RejectReason, RowValidator
from tests.unit.lists.factories import CN_HEADER, customer_row, list_rows, write_csv

AS_OF = datetime.date(2026, 11, 23)
HEADER = CN_HEADER + ("客群", "客户等级")


def validator(header: tuple[str, ...] = HEADER) -> RowValidator:
    return RowValidator(recognise(header), PhoneNormaliser("CN"), Classifier(SegmentRules(), AS_OF))


def row(line: int, **changes: str) -> SourceRow:
    cells = dict(
        zip(HEADER, customer_row(random.Random(line), "31000000001") + ["", ""], strict=True)
    )
    cells["手机号码"] = "13812345678"
    cells.update(changes)
    values = [cells[name] for name in HEADER]
    return SourceRow(line, ",".join(values), values)


def test_an_accepted_row_is_normalised() -> None:
    outcome = validator().validate(row(2, 联系电话="010-62345678 / 12"))
    assert isinstance(outcome, AcceptedRow)
    assert outcome.account_number == "31000000001"
    assert [phone.e164 for phone in outcome.phones] == ["+8613812345678", "+861062345678"]
    assert outcome.invalid_phones == ("12",)
    assert outcome.assets_cents == 12_000_000
    assert outcome.opened_on == "2021-03-04"
    assert outcome.risk_tolerance == "C3"
    assert outcome.segment is Segment.DORMANT
    assert outcome.tier is Tier.SILVER
    assert validator().extra(outcome) == {}


def test_columns_may_set_segment_and_tier() -> None:
    outcome = validator().validate(row(2, 客群="流失", 客户等级="钻卡"))
    assert isinstance(outcome, AcceptedRow)
    assert (outcome.segment, outcome.tier) == (Segment.LAPSED, Tier.DIAMOND)


def test_unknown_columns_are_kept_as_extra_attributes() -> None:
    check = validator()
    outcome = check.validate(row(2, 备注="VIP 客户"))
    assert isinstance(outcome, AcceptedRow)
    assert check.extra(outcome) == {"备注": "VIP 客户"}


REJECTS = {
    RejectReason.EMPTY_ROW: {name: "" for name in HEADER},
    RejectReason.MISSING_NAME: {"客户姓名": " "},
    RejectReason.NO_PHONE: {"手机号码": "", "联系电话": ""},
    RejectReason.INVALID_PHONE: {"手机号码": "12345", "联系电话": "abc"},
    RejectReason.BAD_ASSETS: {"总资产": "-100"},
    RejectReason.BAD_DATE: {"最后交易日期": "2026-02-30"},
    RejectReason.BAD_RISK_LEVEL: {"风险承受能力": "C7"},
    RejectReason.BAD_SEGMENT: {"客群": "VIP"},
    RejectReason.BAD_TIER: {"客户等级": "platinum"},
}


def test_every_row_level_reject_reason() -> None:
    check = validator()
    for reason, changes in REJECTS.items():
        source = row(7, **changes)
        outcome = check.validate(source)
        assert isinstance(outcome, RejectedRow), reason
        assert outcome.reason is reason
        assert outcome.line_number == 7
        assert outcome.raw == source.raw
        assert outcome.detail


def test_values_beyond_the_header_reject_the_row_but_trailing_blanks_do_not() -> None:
    check = validator()
    base = row(8)
    shifted = SourceRow(8, base.raw + ",朝阳区", [*base.cells, "朝阳区"])
    outcome = check.validate(shifted)
    assert isinstance(outcome, RejectedRow)
    assert outcome.reason is RejectReason.TOO_MANY_CELLS
    assert outcome.raw == shifted.raw and "values for" in outcome.detail
    trailing = SourceRow(8, base.raw + ",,", [*base.cells, "", " "])
    assert isinstance(check.validate(trailing), AcceptedRow)


def test_dnc_reject_when_every_number_is_listed() -> None:
    check = validator()
    listed = check.validate(row(2))
    partly = check.validate(row(3, 客户号="31000000002", 联系电话="13912345678"))
    outcome = merge_rows([listed, partly], on_dnc=lambda e164: e164 == "+8613812345678")
    assert [reject.reason for reject in outcome.rejected] == [RejectReason.DNC]
    assert [account.line_number for account in outcome.accounts] == [3]
    assert outcome.tally.as_dict()["reject_reasons"] == {"dnc": 1}


def test_same_account_number_is_merged_blanks_filled_phones_united() -> None:
    check = validator()
    first = check.validate(row(2, 营业部="", 备注=""))
    second = check.validate(row(3, 手机号码="13912345678", 营业部="北京营业部", 备注="VIP"))
    third = check.validate(row(4, 客户号="31000000009"))
    outcome = merge_rows([first, second, third])
    assert outcome.tally.as_dict() == {
        "rows": 3,
        "accepted": 2,
        "merged": 1,
        "rejected": 0,
        "reject_reasons": {},
    }
    merged = outcome.accounts[0]
    assert merged.line_number == 2
    assert merged.branch == "北京营业部"
    assert [phone.e164 for phone in merged.phones] == ["+8613812345678", "+8613912345678"]
    assert check.extra(merged) == {"备注": "VIP"}
    assert outcome.merged_lines == {3: 2}


def test_prospects_are_merged_by_phone_not_across_account_numbers() -> None:
    check = validator()
    prospect = check.validate(row(2, 客户号=""))
    same_phone = check.validate(row(3, 客户号="", 联系电话="13912345678"))
    numbered = check.validate(row(4))  # an account with the same phone stays separate
    outcome = merge_rows([prospect, same_phone, numbered])
    assert outcome.tally.accepted == 2
    assert outcome.tally.merged == 1
    assert outcome.accounts[0].segment is Segment.PROSPECT


def test_reject_file_neutralises_formulas() -> None:
    out = io.StringIO()
    count = write_rejects(
        [
            (2, "invalid_phone", "no valid number among: =1+2", '=HYPERLINK("http://x","y"),1'),
            (3, "missing_name", "the name is empty", "+86,@SUM(A1),\t-3,plain"),
        ],
        out,
    )
    assert count == 2
    text = out.getvalue()
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == ["line_number", "reason", "detail", "raw"]
    assert rows[1][3] == '\'=HYPERLINK("http://x","y"),1'
    assert rows[2][3] == "'+86,@SUM(A1),\t-3,plain"
    for cell in ("=1", "+1", "-1", "@x", "\tx", "\rx"):
        assert neutralise(cell) == "'" + cell
    assert neutralise("13812345678") == "13812345678"


def test_staging_rows_follow_the_layout() -> None:
    context = StagingContext(recognise(HEADER), "CN", AS_OF, delimiter=",")
    source = row(2, 备注='say "hi"')
    text = Stager(context).stage([(2, source.raw, None), (3, ",,,,,,,,,,,,,", None)])
    staged = list(csv.reader(io.StringIO(text)))
    assert [len(line) for line in staged] == [len(STAGING_COLUMNS)] * 2
    accepted = dict(zip(STAGING_COLUMNS, staged[0], strict=True))
    assert accepted["merge_key"] == "account:31000000001"
    assert accepted["phones"] == "{+8613812345678}"
    assert accepted["extra_values"] == '{"say \\"hi\\""}'
    rejected = dict(zip(STAGING_COLUMNS, staged[1], strict=True))
    assert rejected["reason"] == "empty_row"
    assert pg_array([None, "a\\b"]) == '{NULL,"a\\\\b"}'


# -- reconciliation over generated files --------------------------------------------------


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=list_rows(), encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]))
def test_every_row_ends_up_exactly_once(
    tmp_path: Path, rows: list[list[str]], encoding: str
) -> None:
    path = write_csv(tmp_path / f"gen-{encoding}.csv", CN_HEADER, rows, encoding=encoding)
    source = inspect(path)
    records = read_rows(source)
    header = next(records)
    check = RowValidator(
        recognise(header.cells), PhoneNormaliser("CN"), Classifier(SegmentRules(), AS_OF)
    )
    outcome = merge_rows(
        (check.validate(record) for record in records), on_dnc=lambda e164: e164.endswith("0")
    )
    tally = outcome.tally
    assert tally.rows == len(rows)
    assert tally.rows == tally.accepted + tally.merged + tally.rejected
    assert tally.reconciles
    lines = (
        [account.line_number for account in outcome.accounts]
        + list(outcome.merged_lines)
        + [reject.line_number for reject in outcome.rejected]
    )
    assert len(lines) == len(set(lines)) == len(rows)
