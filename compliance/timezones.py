"""Where the callee may be: jurisdictions, states and candidate time zones.

Three sources, all kept (G-2, the strictest wins): the number's prefix
(`phonenumbers.timezone.time_zones_for_number`, its geocoder for the US state), the time
zone of the address on file, and the account's region field (a US state "FL" or "US-FL", a
UK nation "SCT" or "GB-SCT", "CN" or "CN-xx" for mainland China). Non-geographic numbers
(toll-free, VoIP, personal) say nothing about where the callee is, so their prefix adds no
time zone; when no source gives one, every zone of the jurisdiction is a candidate.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberType, geocoder
from phonenumbers import timezone as phone_time_zones

from compliance.models import Jurisdiction

US_STATE_TIME_ZONES: dict[str, tuple[str, ...]] = {
    "AL": ("America/Chicago",),
    "AK": ("America/Anchorage", "America/Adak"),
    "AZ": ("America/Phoenix",),
    "AR": ("America/Chicago",),
    "CA": ("America/Los_Angeles",),
    "CO": ("America/Denver",),
    "CT": ("America/New_York",),
    "DE": ("America/New_York",),
    "DC": ("America/New_York",),
    "FL": ("America/New_York", "America/Chicago"),
    "GA": ("America/New_York",),
    "HI": ("Pacific/Honolulu",),
    "ID": ("America/Boise", "America/Los_Angeles"),
    "IL": ("America/Chicago",),
    "IN": ("America/Indiana/Indianapolis", "America/Chicago"),
    "IA": ("America/Chicago",),
    "KS": ("America/Chicago", "America/Denver"),
    "KY": ("America/New_York", "America/Chicago"),
    "LA": ("America/Chicago",),
    "ME": ("America/New_York",),
    "MD": ("America/New_York",),
    "MA": ("America/New_York",),
    "MI": ("America/Detroit", "America/Menominee"),
    "MN": ("America/Chicago",),
    "MS": ("America/Chicago",),
    "MO": ("America/Chicago",),
    "MT": ("America/Denver",),
    "NE": ("America/Chicago", "America/Denver"),
    "NV": ("America/Los_Angeles", "America/Denver"),
    "NH": ("America/New_York",),
    "NJ": ("America/New_York",),
    "NM": ("America/Denver",),
    "NY": ("America/New_York",),
    "NC": ("America/New_York",),
    "ND": ("America/Chicago", "America/Denver"),
    "OH": ("America/New_York",),
    "OK": ("America/Chicago",),
    "OR": ("America/Los_Angeles", "America/Boise"),
    "PA": ("America/New_York",),
    "RI": ("America/New_York",),
    "SC": ("America/New_York",),
    "SD": ("America/Chicago", "America/Denver"),
    "TN": ("America/Chicago", "America/New_York"),
    "TX": ("America/Chicago", "America/Denver"),
    "UT": ("America/Denver",),
    "VT": ("America/New_York",),
    "VA": ("America/New_York",),
    "WA": ("America/Los_Angeles",),
    "WV": ("America/New_York",),
    "WI": ("America/Chicago",),
    "WY": ("America/Denver",),
    "PR": ("America/Puerto_Rico",),
    "GU": ("Pacific/Guam",),
    "VI": ("America/St_Thomas",),
    "AS": ("Pacific/Pago_Pago",),
    "MP": ("Pacific/Saipan",),
}

US_STATE_NAMES: dict[str, str] = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "District of Columbia": "DC",
    "Washington D.C.": "DC", "Florida": "FL", "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID",
    "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY",
    "Louisiana": "LA", "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA",
    "Michigan": "MI", "Minnesota": "MN", "Mississippi": "MS", "Missouri": "MO",
    "Montana": "MT", "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH",
    "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY", "North Carolina": "NC",
    "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR",
    "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC",
    "South Dakota": "SD", "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT",
    "Virginia": "VA", "Washington": "WA", "West Virginia": "WV", "Wisconsin": "WI",
    "Wyoming": "WY", "Puerto Rico": "PR",
}  # fmt: skip

UK_NATION_CODES = frozenset({"ENG", "SCT", "WLS", "NIR"})
JURISDICTION_DEFAULT_ZONES: dict[Jurisdiction, tuple[str, ...]] = {
    Jurisdiction.US: (
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "Pacific/Honolulu",
    ),
    Jurisdiction.UK: ("Europe/London",),
    Jurisdiction.CN: ("Asia/Shanghai",),
}
_NUMBER_REGION_JURISDICTION = {
    "US": Jurisdiction.US,
    "PR": Jurisdiction.US,
    "GU": Jurisdiction.US,
    "VI": Jurisdiction.US,
    "AS": Jurisdiction.US,
    "MP": Jurisdiction.US,
    "GB": Jurisdiction.UK,
    "CN": Jurisdiction.CN,
}
_US_ZONES = frozenset(z for zones in US_STATE_TIME_ZONES.values() for z in zones) | frozenset(
    JURISDICTION_DEFAULT_ZONES[Jurisdiction.US]
)
_NON_GEOGRAPHIC = frozenset(
    {
        PhoneNumberType.TOLL_FREE,
        PhoneNumberType.PREMIUM_RATE,
        PhoneNumberType.SHARED_COST,
        PhoneNumberType.VOIP,
        PhoneNumberType.PERSONAL_NUMBER,
        PhoneNumberType.UAN,
        PhoneNumberType.PAGER,
        PhoneNumberType.VOICEMAIL,
    }
)


@dataclass(frozen=True)
class ParsedNumber:
    e164: str
    region_code: str | None
    jurisdiction: Jurisdiction | None
    time_zones: tuple[str, ...]
    us_state: str | None


@lru_cache(maxsize=4096)
def parse_number(number: str) -> ParsedNumber | None:
    """The number's facts when it parses as a valid E.164 number, else None (G-1)."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    region = phonenumbers.region_code_for_number(parsed)
    zones: tuple[str, ...] = ()
    state: str | None = None
    if phonenumbers.number_type(parsed) not in _NON_GEOGRAPHIC:
        zones = tuple(
            z for z in phone_time_zones.time_zones_for_number(parsed) if z != "Etc/Unknown"
        )
        if region in ("US",):
            state = _state_from_description(geocoder.description_for_number(parsed, "en"))
    return ParsedNumber(
        e164=phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
        region_code=region,
        jurisdiction=_NUMBER_REGION_JURISDICTION.get(region or ""),
        time_zones=zones,
        us_state=state,
    )


def _state_from_description(description: str) -> str | None:
    if description in US_STATE_NAMES:
        return US_STATE_NAMES[description]
    tail = description.rsplit(", ", 1)[-1] if ", " in description else ""
    return tail if tail in US_STATE_TIME_ZONES else None


@dataclass(frozen=True)
class Region:
    """The account's region field, read as a place in one jurisdiction."""

    jurisdiction: Jurisdiction
    code: str | None  # US state or UK nation; None for "somewhere in the jurisdiction"


def parse_region(region: str | None) -> Region | None:
    """Read "FL", "US-FL", "SCT", "GB-SCT", "UK-SCT", "CN", "CN-BJ"; None if unknown.
    A bare two-letter code is read as a US state first (SC is South Carolina)."""
    if not region:
        return None
    text = region.strip().upper()
    country, _, sub = text.partition("-")
    if sub:
        if country == "US" and sub in US_STATE_TIME_ZONES:
            return Region(Jurisdiction.US, sub)
        if country in ("GB", "UK") and sub in UK_NATION_CODES:
            return Region(Jurisdiction.UK, sub)
        if country == "CN":
            return Region(Jurisdiction.CN, None)
        return None
    if text in US_STATE_TIME_ZONES:
        return Region(Jurisdiction.US, text)
    if text in UK_NATION_CODES:
        return Region(Jurisdiction.UK, text)
    if text in ("GB", "UK"):
        return Region(Jurisdiction.UK, None)
    if text == "CN":
        return Region(Jurisdiction.CN, None)
    return None


def jurisdiction_of_time_zone(zone: str) -> Jurisdiction | None:
    if zone in _US_ZONES:
        return Jurisdiction.US
    if zone == "Europe/London":
        return Jurisdiction.UK
    if zone in ("Asia/Shanghai", "Asia/Urumqi"):
        return Jurisdiction.CN
    return None


@dataclass(frozen=True)
class Whereabouts:
    """Every place the callee may be: the union of all sources."""

    jurisdictions: frozenset[Jurisdiction]
    us_states: frozenset[str]
    uk_nation: str | None
    time_zones: tuple[str, ...]


def whereabouts(
    number: ParsedNumber,
    profile: Jurisdiction,
    address_time_zone: str | None,
    region: str | None,
    extra_jurisdictions: frozenset[Jurisdiction] = frozenset(),
) -> Whereabouts:
    jurisdictions = {profile, *extra_jurisdictions}
    if number.jurisdiction is not None:
        jurisdictions.add(number.jurisdiction)
    zones: set[str] = set(number.time_zones)
    states: set[str] = set()
    if number.us_state:
        states.add(number.us_state)
    if address_time_zone:
        zones.add(address_time_zone)
        found = jurisdiction_of_time_zone(address_time_zone)
        if found is not None:
            jurisdictions.add(found)
    place = parse_region(region)
    uk_nation: str | None = None
    if place is not None:
        jurisdictions.add(place.jurisdiction)
        if place.jurisdiction is Jurisdiction.US and place.code:
            states.add(place.code)
            zones.update(US_STATE_TIME_ZONES[place.code])
        elif place.jurisdiction is Jurisdiction.UK:
            uk_nation = place.code
            zones.add("Europe/London")
        elif place.jurisdiction is Jurisdiction.CN:
            zones.add("Asia/Shanghai")
    if not zones:
        for jurisdiction in sorted(jurisdictions):
            zones.update(JURISDICTION_DEFAULT_ZONES[jurisdiction])
    return Whereabouts(
        jurisdictions=frozenset(jurisdictions),
        us_states=frozenset(states),
        uk_nation=uk_nation,
        time_zones=tuple(sorted(zones)),
    )
