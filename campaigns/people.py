"""A scenario's population: accounts with features and the true propensities behind them.

The `population` block of a scenario (docs/population.md) describes segments, regions and
the effects of each feature in documented parametric forms; `generate_accounts` draws the
accounts of one seed as numpy arrays, with each account's true hourly contact curve and
true warm-lead probability given contact. Nothing here is known to the learned scorer:
it sees the features and the call history only; the oracle ordering reads the truth.

Contact probability of account i at local hour h on weekday d (logit scale):
    logit c_s(h) + a_age[age band] + b_trade * days_since_trade / 30
      + b_prior * min(prior_contacts, 3) + w[d] + u_i,      u_i ~ N(0, contact_noise_sd)
where c_s(h) = clip(floor_s + sum_k height_k * exp(-(h - hour_k)^2 / (2 width_k^2))), the
segment's hourly curve (bumps at lunch, after work, in the morning ...).
Warm lead given contact (logit scale):
    logit lead_rate_s + t[tier] + v[assets band] + g_trade * min(days_since_trade, 360) / 30
      + g_prior * min(prior_leads, 2) + e_i,                 e_i ~ N(0, lead_noise_sd)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, model_validator

TIERS: tuple[str, ...] = ("diamond", "gold", "silver")
ASSET_BANDS: tuple[str, ...] = ("under 10k", "10k-100k", "100k-1m", "over 1m")
ACCOUNT_AGE_BANDS: tuple[str, ...] = ("under 1 year", "1-3 years", "3-10 years", "over 10 years")
HOURS = np.arange(24, dtype=np.float64)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HourBump(_Strict):
    """A rise of the contact probability around a local hour (a Gaussian bump)."""

    hour: float = Field(ge=0, le=24)
    width: float = Field(gt=0)
    height: float


class SegmentSpec(_Strict):
    name: str = Field(min_length=1)
    share: float = Field(gt=0)
    contact_floor: float = Field(ge=0, le=1)
    contact_bumps: list[HourBump] = Field(default_factory=list)
    lead_rate: float = Field(gt=0, lt=1)
    tier_mix: list[float] = Field(min_length=3, max_length=3)
    asset_band_mix: list[float] = Field(min_length=4, max_length=4)
    mean_days_since_trade: float = Field(gt=0)
    mean_prior_contacts: float = Field(default=1.0, ge=0)
    prior_lead_rate: float = Field(default=0.1, ge=0, le=1)
    conversion_rate: float = Field(default=0.3, ge=0, le=1)
    revenue_cents: int = Field(default=10_000, ge=0)

    def hourly_contact(self) -> NDArray[np.float64]:
        """c_s(h) for h = 0..23 (the hour's start plus half an hour)."""
        curve = np.full(24, self.contact_floor)
        for bump in self.contact_bumps:
            curve += bump.height * np.exp(-((HOURS + 0.5 - bump.hour) ** 2) / (2 * bump.width**2))
        return np.clip(curve, 0.005, 0.95)


class RegionSpec(_Strict):
    name: str = Field(min_length=1)
    utc_offset_hours: float = Field(ge=-12, le=14)
    share: float = Field(gt=0)


class ContactEffects(_Strict):
    account_age_band: list[float] = Field(default=[0.0] * 4, min_length=4, max_length=4)
    per_30_days_since_trade: float = 0.0
    per_prior_contact: float = 0.0
    weekday: list[float] = Field(default=[0.0] * 7, min_length=7, max_length=7)


class LeadEffects(_Strict):
    tier: list[float] = Field(default=[0.0] * 3, min_length=3, max_length=3)
    asset_band: list[float] = Field(default=[0.0] * 4, min_length=4, max_length=4)
    per_30_days_since_trade: float = 0.0
    per_prior_lead: float = 0.0


class PopulationSpec(_Strict):
    accounts: int = Field(gt=0)
    segments: list[SegmentSpec] = Field(min_length=1)
    regions: list[RegionSpec] = Field(min_length=1)
    centre_utc_offset_hours: float = Field(default=0.0, ge=-12, le=14)
    lists: int = Field(default=1, ge=1)
    contact_noise_sd: float = Field(default=0.3, ge=0)
    lead_noise_sd: float = Field(default=0.3, ge=0)
    invalid_share: float = Field(default=0.03, ge=0, lt=1)
    callback_rate: float = Field(default=0.05, ge=0, le=1)
    calling_window_local: tuple[int, int] = (8, 21)
    contact_effects: ContactEffects = ContactEffects()
    lead_effects: LeadEffects = LeadEffects()

    @model_validator(mode="after")
    def _window(self) -> PopulationSpec:
        start, end = self.calling_window_local
        if not 0 <= start < end <= 24:
            raise ValueError("calling_window_local must be [start, end) hours with start < end")
        return self


def _logit(p: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.log(p / (1.0 - p))


def _sigmoid(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class Accounts:
    """One seed's accounts, column by column (index = account)."""

    segment: NDArray[np.int64]
    tier: NDArray[np.int64]  # index into TIERS
    asset_band: NDArray[np.int64]
    account_age_band: NDArray[np.int64]
    days_since_trade: NDArray[np.int64]
    region: NDArray[np.int64]
    utc_offset_hours: NDArray[np.float64]
    prior_contacts: NDArray[np.int64]
    prior_leads: NDArray[np.int64]
    list_id: NDArray[np.int64]
    invalid: NDArray[np.bool_]
    # the truth: contact logit by local hour (without the weekday term), lead probability
    contact_logit: NDArray[np.float64]  # (accounts, 24)
    segment_contact_logit: NDArray[np.float64]  # (segments, 24): the curves' shapes
    weekday_logit: NDArray[np.float64]  # (7,)
    lead_probability: NDArray[np.float64]
    conversion_rate: NDArray[np.float64]
    revenue_cents: NDArray[np.int64]

    @property
    def count(self) -> int:
        return int(self.segment.shape[0])

    def true_contact(
        self, index: NDArray[np.int64], local_hour: NDArray[np.int64], weekday: int
    ) -> NDArray[np.float64]:
        """True P(contact) of these accounts at these local hours on `weekday`."""
        return _sigmoid(self.contact_logit[index, local_hour] + self.weekday_logit[weekday])


def _mix(rng: np.random.Generator, weights: list[float], size: int) -> NDArray[np.int64]:
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=size, p=p / p.sum()).astype(np.int64)


def generate_accounts(spec: PopulationSpec, seed: int) -> Accounts:
    """Draw the accounts of one seed (deterministic per spec and seed)."""
    rng = np.random.default_rng([seed, 16])
    n = spec.accounts
    segments = spec.segments
    segment = _mix(rng, [s.share for s in segments], n)
    region = _mix(rng, [r.share for r in spec.regions], n)
    tier = np.empty(n, dtype=np.int64)
    asset_band = np.empty(n, dtype=np.int64)
    days = np.empty(n, dtype=np.int64)
    prior_contacts = np.empty(n, dtype=np.int64)
    prior_leads = np.empty(n, dtype=np.int64)
    for index, seg in enumerate(segments):
        members = np.flatnonzero(segment == index)
        size = members.size
        tier[members] = _mix(rng, seg.tier_mix, size)
        asset_band[members] = _mix(rng, seg.asset_band_mix, size)
        days[members] = rng.exponential(seg.mean_days_since_trade, size).astype(np.int64)
        prior_contacts[members] = rng.poisson(seg.mean_prior_contacts, size)
        prior_leads[members] = rng.binomial(prior_contacts[members], seg.prior_lead_rate)
    age_band = rng.integers(0, 4, n).astype(np.int64)
    contact_fx, lead_fx = spec.contact_effects, spec.lead_effects
    curves = np.stack([_logit(seg.hourly_contact()) for seg in segments])
    account_contact = (
        np.asarray(contact_fx.account_age_band)[age_band]
        + contact_fx.per_30_days_since_trade * np.minimum(days, 360) / 30.0
        + contact_fx.per_prior_contact * np.minimum(prior_contacts, 3)
        + rng.normal(0.0, spec.contact_noise_sd, n)
    )
    contact_logit = curves[segment] + account_contact[:, None]
    lead_logit = (
        _logit(np.asarray([s.lead_rate for s in segments]))[segment]
        + np.asarray(lead_fx.tier)[tier]
        + np.asarray(lead_fx.asset_band)[asset_band]
        + lead_fx.per_30_days_since_trade * np.minimum(days, 360) / 30.0
        + lead_fx.per_prior_lead * np.minimum(prior_leads, 2)
        + rng.normal(0.0, spec.lead_noise_sd, n)
    )
    offsets = np.asarray([r.utc_offset_hours for r in spec.regions])
    return Accounts(
        segment=segment,
        tier=tier,
        asset_band=asset_band,
        account_age_band=age_band,
        days_since_trade=days,
        region=region,
        utc_offset_hours=offsets[region],
        prior_contacts=prior_contacts,
        prior_leads=prior_leads,
        list_id=rng.integers(0, spec.lists, n).astype(np.int64),
        invalid=rng.random(n) < spec.invalid_share,
        contact_logit=contact_logit,
        segment_contact_logit=curves,
        weekday_logit=np.asarray(contact_fx.weekday, dtype=np.float64),
        lead_probability=_sigmoid(lead_logit),
        conversion_rate=np.asarray([s.conversion_rate for s in segments])[segment],
        revenue_cents=np.asarray([s.revenue_cents for s in segments], dtype=np.int64)[segment],
    )


class RetrySettings(_Strict):
    """A population scenario's retry policy, as a campaign's retry settings (minutes)."""

    no_answer_delay_minutes: float = Field(default=120, ge=0)
    busy_delay_minutes: float = Field(default=15, ge=0)
    machine_delay_minutes: float = Field(default=240, ge=0)
    abandoned_lock_hours: float = Field(default=72, ge=0)
    lifetime_attempts: int = Field(default=10, ge=1)
    attempts_per_day: int = Field(default=3, ge=1)
    # a callback the customer asked for is answered this often (it is their own time)
    callback_contact_probability: float = Field(default=0.7, ge=0, le=1)
