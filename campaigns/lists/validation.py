"""Each row of a list file is either accepted (an account to load) or rejected with a reason.

`RowValidator` is the hot loop of an import: it works on the row's cells by column index,
normalises phones through the fast path, and returns plain values ready to stage (ISO
dates, integer cents). Nothing is dropped: a row that cannot be loaded comes back as a
`RejectedRow` carrying its line number, raw text and a reason code.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from campaigns.lists.columns import ColumnMapping, Field
from campaigns.lists.phones import NormalisedPhone, PhoneNormaliser, split_phone_cell
from campaigns.lists.reading import SourceRow
from campaigns.lists.segments import Classifier, Segment, Tier, segment_from_label, tier_from_label
from campaigns.lists.values import BadValue, parse_amount_cents, parse_date, parse_risk_tolerance


class RejectReason(StrEnum):
    """Why a row was not loaded; shown in the summary and the reject file."""

    EMPTY_ROW = "empty_row"  # every cell blank
    MISSING_NAME = "missing_name"
    NO_PHONE = "no_phone"  # no phone number in any phone column
    INVALID_PHONE = "invalid_phone"  # phone numbers given, none of them valid
    BAD_ASSETS = "bad_assets"
    BAD_DATE = "bad_date"
    BAD_RISK_LEVEL = "bad_risk_level"
    BAD_SEGMENT = "bad_segment"
    BAD_TIER = "bad_tier"
    TOO_MANY_CELLS = "too_many_cells"  # values beyond the header: a delimiter out of place
    DNC = "dnc"  # every valid number is on a do-not-call list (decided against the database)


class RejectedRow(NamedTuple):
    line_number: int
    raw: str
    reason: RejectReason
    detail: str


class AcceptedRow(NamedTuple):
    """One customer as the file describes them, values normalised."""

    line_number: int
    raw: str
    account_number: str | None
    name: str
    phones: tuple[NormalisedPhone, ...]
    invalid_phones: tuple[str, ...]
    branch: str | None
    manager: str | None
    assets_cents: int | None
    opened_on: str | None
    last_trade_on: str | None
    risk_tolerance: str | None
    region: str | None
    city: str | None
    address: str | None
    segment: Segment
    tier: Tier
    extra_values: tuple[str | None, ...]

    @property
    def primary_phone(self) -> str:
        return self.phones[0].e164


class RowValidator:
    """Validates the data rows of one file against its column mapping."""

    def __init__(
        self, mapping: ColumnMapping, normaliser: PhoneNormaliser, classifier: Classifier
    ) -> None:
        self.mapping = mapping
        self.normaliser = normaliser
        self.classifier = classifier
        self.extra_keys: tuple[str, ...] = tuple(name for name, _ in mapping.extras)
        self._extra_indices = tuple(index for _, index in mapping.extras)
        single = mapping.single
        self._account = single.get(Field.ACCOUNT_NUMBER)
        self._name = single[Field.NAME]
        self._phones = mapping.phones
        self._branch = single.get(Field.BRANCH)
        self._manager = single.get(Field.MANAGER)
        self._assets = single.get(Field.ASSETS)
        self._opened = single.get(Field.OPENED_ON)
        self._last_trade = single.get(Field.LAST_TRADE_ON)
        self._risk = single.get(Field.RISK_TOLERANCE)
        self._region = single.get(Field.REGION)
        self._city = single.get(Field.CITY)
        self._address = single.get(Field.ADDRESS)
        self._segment = single.get(Field.SEGMENT)
        self._tier = single.get(Field.TIER)
        self._status = single.get(Field.ACCOUNT_STATUS)
        self._advisory = single.get(Field.ADVISORY_STATUS)
        self._optional_indices = (
            self._account,
            self._manager,
            self._branch,
            self._region,
            self._city,
            self._address,
            self._segment,
            self._tier,
            self._status,
            self._advisory,
        )
        self._multiplier = mapping.assets_multiplier
        self._width = len(mapping.header)

    def extra(self, row: AcceptedRow) -> dict[str, str]:
        """The row's unknown columns, kept as attributes of the account."""
        return {
            key: value
            for key, value in zip(self.extra_keys, row.extra_values, strict=True)
            if value is not None
        }

    def validate(self, source: SourceRow) -> AcceptedRow | RejectedRow:
        line_number, raw, cells = source
        try:
            cells = self._fitted(cells)
            name = self._name_of(cells)
            valid, invalid = self._phones_of(cells)
            assets, opened_on, last_trade_on, risk = self._figures_of(cells)
            optional = self._optional(cells)
            account_number, manager, branch, region, city, address = optional[:6]
            segment, tier = self._classified(optional, assets, opened_on, last_trade_on)
        except _Refused as refused:
            return RejectedRow(line_number, raw, refused.reason, refused.detail)
        return AcceptedRow(
            line_number,
            raw,
            account_number,
            name,
            tuple(valid),
            tuple(invalid),
            branch,
            manager,
            assets,
            opened_on,
            last_trade_on,
            risk,
            region,
            city,
            address,
            segment,
            tier,
            tuple([cells[index].strip() or None for index in self._extra_indices]),
        )

    def _fitted(self, cells: list[str]) -> list[str]:
        """The row's cells, one per column (a short row padded)."""
        if len(cells) < self._width:
            return cells + [""] * (self._width - len(cells))
        if len(cells) > self._width and any(cell.strip() for cell in cells[self._width :]):
            # an unquoted comma in an address shifts every column after it: loading the row
            # would put values in the wrong fields, so it is kept aside as it was written
            raise _Refused(
                RejectReason.TOO_MANY_CELLS,
                f"the row has {len(cells)} values for {self._width} columns: "
                "quote the value that contains the delimiter",
            )
        return cells

    def _name_of(self, cells: list[str]) -> str:
        name = cells[self._name].strip()
        if not name:
            if not any(value.strip() for value in cells):
                raise _Refused(RejectReason.EMPTY_ROW, "the row is blank")
            raise _Refused(RejectReason.MISSING_NAME, "the name is empty")
        return name

    def _phones_of(self, cells: list[str]) -> tuple[list[NormalisedPhone], list[str]]:
        """The valid numbers (each once) and those written that are not numbers."""
        normalise = self.normaliser.normalise
        valid: list[NormalisedPhone] = []
        invalid: list[str] = []
        for index in self._phones:
            text = cells[index]
            if not text:
                continue
            for written in split_phone_cell(text):
                phone = normalise(written)
                if phone is None:
                    invalid.append(written)
                elif phone not in valid:
                    valid.append(phone)
        if not valid:
            if invalid:
                raise _Refused(
                    RejectReason.INVALID_PHONE, "no valid number among: " + ", ".join(invalid)
                )
            raise _Refused(RejectReason.NO_PHONE, "no phone number")
        return valid, invalid

    def _figures_of(
        self, cells: list[str]
    ) -> tuple[int | None, str | None, str | None, str | None]:
        """Assets (cents), the opening and last-trade days, the risk tolerance."""
        assets_index = self._assets
        assets: int | None = None
        if assets_index is not None and (text := cells[assets_index].strip()):
            try:
                assets = parse_amount_cents(text, self._multiplier)
            except BadValue as exc:
                raise _Refused(RejectReason.BAD_ASSETS, str(exc)) from None
        dates: list[str | None] = []
        for date_index in (self._opened, self._last_trade):
            day: str | None = None
            if date_index is not None and (text := cells[date_index].strip()):
                try:
                    day = parse_date(text)
                except BadValue as exc:
                    raise _Refused(RejectReason.BAD_DATE, str(exc)) from None
            dates.append(day)
        risk_index = self._risk
        risk: str | None = None
        if risk_index is not None and (text := cells[risk_index].strip()):
            try:
                risk = parse_risk_tolerance(text)
            except BadValue as exc:
                raise _Refused(RejectReason.BAD_RISK_LEVEL, str(exc)) from None
        return assets, dates[0], dates[1], risk

    def _classified(
        self,
        optional: list[str | None],
        assets: int | None,
        opened_on: str | None,
        last_trade_on: str | None,
    ) -> tuple[Segment, Tier]:
        """The segment and tier: as the file says, else by the firm's rules."""
        account_number, manager = optional[0], optional[1]
        segment_text, tier_text, status, advisory = optional[6:]
        if segment_text:
            segment = segment_from_label(segment_text)
            if segment is None:
                raise _Refused(RejectReason.BAD_SEGMENT, f"unknown segment {segment_text!r}")
        else:
            segment = self.classifier.segment(
                account_number=account_number,
                assets_cents=assets,
                opened_on=opened_on,
                last_trade_on=last_trade_on,
                has_manager=manager is not None,
                account_status=status or "",
                advisory_status=advisory or "",
            )
        if tier_text:
            tier = tier_from_label(tier_text)
            if tier is None:
                raise _Refused(RejectReason.BAD_TIER, f"unknown tier {tier_text!r}")
        else:
            tier = self.classifier.tier(assets)
        return segment, tier

    def _optional(self, cells: list[str]) -> list[str | None]:
        return [
            (cells[index].strip() or None) if index is not None else None
            for index in self._optional_indices
        ]


class _Refused(Exception):
    """A step of `RowValidator.validate` refused the row, with its reason."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
