"""Phone numbers from list files, normalised to E.164 with their type, region and time zones.

Normalising is the hot loop of a large import: phonenumbers' full parser costs ~35 µs a
number. `PhoneNormaliser` first tries a fast path for the formats exports actually contain
(11-digit mobiles, landlines with a trunk `0`, `+86` / `0086`, spaces, dashes, full-width
digits). The fast path is built from phonenumbers' own metadata (the same patterns, lengths
and time-zone prefixes, in the same order as `phonenumberutil._number_type_helper`), claims
only inputs whose parsing it mirrors step by step, and hands everything else to phonenumbers.
tests/unit/lists/test_phones.py and benchmarks/import_bench.py check that the two agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final, NamedTuple

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumberType, timezone
from phonenumbers.phonenumberutil import _GEO_MOBILE_COUNTRIES, NumberParseException
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

from campaigns.lists.errors import ListLoadError

LINE_TYPES: Final[dict[int, str]] = {
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
    PhoneNumberType.UNKNOWN: "unknown",
}

# Separators people type inside one number, and full-width digits / plus from Chinese IMEs.
_CLEAN: Final = str.maketrans(
    {
        **{chr(0xFF10 + digit): str(digit) for digit in range(10)},
        "\uff0b": "+",
        " ": None,
        "-": None,
        "(": None,
        ")": None,
        ".": None,
        "\u3000": None,
        "\xa0": None,
        "\t": None,
        "\uff08": None,
        "\uff09": None,
        "\uff0d": None,
    }
)
# Between two numbers in one cell: 13812345678/13912345678, 13812345678；13912345678.
_CELL_SEPARATORS: Final = re.compile(r"[/,;|\n\uff0c\uff1b\u3001]|\u6216")


class NormalisedPhone(NamedTuple):
    """A valid number as phonenumbers sees it."""

    e164: str
    line_type: str
    region_code: str
    time_zones: tuple[str, ...]


class UnknownRegion(ListLoadError):
    """The default region is not a known ISO country code; use e.g. CN, US or GB."""


def split_phone_cell(cell: str) -> list[str]:
    """The numbers written in one cell (several may share it, separated by / ; 、 or 或)."""
    if not cell:
        return []
    return [part.strip() for part in _CELL_SEPARATORS.split(cell) if part.strip()]


def reference_normalise(raw: str, default_region: str) -> NormalisedPhone | None:
    """phonenumbers' answer: parse, validate, format E.164, type, region, time zones."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return NormalisedPhone(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        line_type=LINE_TYPES[phonenumbers.number_type(number)],
        region_code=phonenumbers.region_code_for_number(number) or "",
        time_zones=tuple(timezone.time_zones_for_number(number)),
    )


class _Invalid:
    """The fast path is certain phonenumbers would call this number invalid."""


INVALID: Final = _Invalid()


class _TypePattern:
    __slots__ = ("lengths", "pattern")

    def __init__(self, desc: phonenumbers.PhoneNumberDesc) -> None:
        self.lengths = frozenset(desc.possible_length or ())
        self.pattern = re.compile(desc.national_number_pattern or "(?!)")

    def matches(self, national: str) -> bool:
        if self.lengths and len(national) not in self.lengths:
            return False
        return self.pattern.fullmatch(national) is not None


_Matcher = Callable[[str], "re.Match[str] | None"]


def _matcher(desc: _TypePattern | None, length: int) -> _Matcher | None:
    """The pattern's fullmatch when a number of this length can match it, else None."""
    if desc is None or (desc.lengths and length not in desc.lengths):
        return None
    return desc.pattern.fullmatch


class PhoneNormaliser:
    """Normalise numbers written in a list file, with a fast path for the common formats."""

    def __init__(self, default_region: str = "CN", *, fast_path: bool = True) -> None:
        region = default_region.upper()
        metadata = PhoneMetadata.metadata_for_region(region)
        if metadata is None:
            raise UnknownRegion(f"unknown default region {default_region!r}: use e.g. CN, US, GB")
        self.default_region = region
        self.fast_hits = 0
        self.slow_calls = 0
        country_code = metadata.country_code
        assert country_code is not None
        self._cc = str(country_code)
        # The fast path only mirrors regions that own their calling code alone (CN, not US/CA).
        self._fast = fast_path and phonenumbers.region_codes_for_country_code(country_code) == (
            region,
        )
        self._national_prefix = metadata.national_prefix or ""
        self._prefix_for_parsing = (
            re.compile(metadata.national_prefix_for_parsing)
            if metadata.national_prefix_for_parsing
            else None
        )
        if metadata.national_prefix_transform_rule:
            self._fast = False
        idd = metadata.international_prefix
        self._idd = "00" + self._cc if idd and re.fullmatch(idd, "00") else None
        assert metadata.general_desc is not None
        self._general = _TypePattern(metadata.general_desc)
        # leading digits that are neither a trunk prefix nor the start of the calling code
        self._plain_leading = frozenset(
            digit
            for digit in "123456789"
            if not self._cc.startswith(digit) and not self._national_prefix.startswith(digit)
        )
        self._longest_national = max(self._general.lengths, default=17)
        self._special = [
            _TypePattern(desc)
            for desc in (
                metadata.premium_rate,
                metadata.toll_free,
                metadata.shared_cost,
                metadata.voip,
                metadata.personal_number,
                metadata.pager,
                metadata.uan,
                metadata.voicemail,
            )
            if desc is not None
        ]
        self._fixed = _TypePattern(metadata.fixed_line) if metadata.fixed_line else None
        self._mobile = _TypePattern(metadata.mobile) if metadata.mobile else None
        self._same_fixed_mobile = bool(metadata.same_mobile_and_fixed_line_pattern)
        # phonenumbers checks possible lengths before each pattern: resolve that per length once
        self._checks_by_length = {
            length: (
                _matcher(self._general, length),
                tuple(
                    matcher
                    for special in self._special
                    if (matcher := _matcher(special, length)) is not None
                ),
                _matcher(self._fixed, length),
                _matcher(self._mobile, length),
            )
            for length in range(2, 18)
        }
        self._mobile_geographic = country_code in _GEO_MOBILE_COUNTRIES
        self._zones_by_prefix = {
            prefix: zones for prefix, zones in TIMEZONE_DATA.items() if prefix.startswith(self._cc)
        }
        distinct = set(self._zones_by_prefix.values())
        self._constant_zones = (
            next(iter(distinct))
            if len(distinct) == 1 and self._cc in self._zones_by_prefix
            else None
        )

    def normalise(self, raw: str) -> NormalisedPhone | None:
        """The number in E.164 with its details, or None when it is not a valid number."""
        if self._fast:
            found = self.fast(raw)
            if found is not None:
                self.fast_hits += 1
                return None if found is INVALID else found  # type: ignore[return-value]
        self.slow_calls += 1
        return reference_normalise(raw, self.default_region)

    def fast(self, raw: str) -> NormalisedPhone | _Invalid | None:
        """The fast path's answer, or None when it does not handle this format."""
        if raw.isascii():
            text = raw.replace(" ", "").replace("-", "")
            if not text.isdigit():
                text = text.translate(_CLEAN)
        else:
            text = raw.translate(_CLEAN)
        cc = self._cc
        if (
            text[:1] in self._plain_leading
            and text.isdigit()
            and 2 <= len(text) <= 17
            and (self._prefix_for_parsing is None or not self._prefix_for_parsing.match(text))
        ):
            # The commonest shape by far: a bare mobile, nothing to strip.
            return self._classify(text)
        if text.startswith("+"):
            if not text.startswith(cc, 1):
                return None
            national = text[1 + len(cc) :]
        elif self._idd is not None and text.startswith(self._idd):
            national = text[len(self._idd) :]
        elif self._national_prefix and text.startswith(self._national_prefix):
            matched = self._prefix_for_parsing.match(text) if self._prefix_for_parsing else None
            if (
                matched is None
                or matched.end() != len(self._national_prefix)
                or any(group is not None for group in matched.groups())
            ):
                return None
            national = text[matched.end() :]
            if national.startswith(self._national_prefix):
                return None
        elif text.startswith(cc):
            # phonenumbers strips a bare calling code only when the whole would be too long
            # for a national number; mirror exactly that case, leave the rest to it.
            if len(text) <= self._longest_national:
                return None
            national = text[len(cc) :]
        else:
            national = text
            if self._prefix_for_parsing is not None and self._prefix_for_parsing.match(text):
                return None
        if not (national.isascii() and national.isdigit()) or not 2 <= len(national) <= 17:
            return None
        if national.startswith("0") or (
            self._prefix_for_parsing is not None and self._prefix_for_parsing.match(national)
        ):
            return None
        return self._classify(national)

    def _classify(self, national: str) -> NormalisedPhone | _Invalid | None:
        checks = self._checks_by_length.get(len(national))
        if checks is None:
            return INVALID
        general, specials, fixed, mobile = checks
        if general is None or general(national) is None:
            return INVALID
        for special in specials:
            if special(national) is not None:
                return None  # toll-free, shared-cost...: rare, phonenumbers answers
        line_type: str
        if fixed is not None and fixed(national) is not None:
            if self._same_fixed_mobile or (mobile is not None and mobile(national) is not None):
                line_type = "fixed_line_or_mobile"
            else:
                line_type = "fixed_line"
        elif not self._same_fixed_mobile and mobile is not None and mobile(national) is not None:
            if not self._mobile_geographic:
                return None
            line_type = "mobile"
        else:
            return INVALID
        e164 = "+" + self._cc + national
        return NormalisedPhone(e164, line_type, self.default_region, self._time_zones(e164))

    def _time_zones(self, e164: str) -> tuple[str, ...]:
        if self._constant_zones is not None:
            return self._constant_zones
        for length in range(TIMEZONE_LONGEST_PREFIX, 0, -1):
            zones = self._zones_by_prefix.get(e164[1 : 1 + length])
            if zones is not None:
                return zones
        return timezone._UNKNOWN_TIME_ZONE_LIST
