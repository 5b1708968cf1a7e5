"""Compliance gate benchmark: decisions per second, against parsing the number alone.

    python benchmarks/compliance_gate.py [--cases 20000] [--seed 7]

Generates realistic dial requests (US, UK and CN numbers, regions, address time zones,
prior attempts, DNC matches, consents, instants over a year, so ALLOW, REQUIRE, DELAY and
BLOCK all occur), then in the same process times:

1. baseline: `phonenumbers.parse` + `is_valid_number` for each number (the least work any
   pre-dial check does);
2. the gate: `compliance.gate.decide` for each case.

Prints decisions/s, µs per decision, the verdict mix and the ratio gate / baseline.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import phonenumbers

from compliance.gate import decide
from compliance.models import DialFacts, DialRequest

NUMBERS = ["+1305555%04d", "+1212555%04d", "+1512555%04d", "+1601555%04d", "+4420794%05d",
           "+86138%08d"]  # fmt: skip
ZONES = [None, "America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London"]
REGIONS = [None, "FL", "TX", "MS", "PA", "NY", "ENG", "SCT"]


def make_cases(count: int, rng: random.Random) -> list[tuple[DialRequest, DialFacts, datetime]]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    cases = []
    for _ in range(count):
        now = start + timedelta(seconds=rng.randrange(365 * 86400))
        pattern = rng.choice(NUMBERS)
        number = pattern % rng.randrange(
            10 ** (5 if "4420794" in pattern else 4 if "+1" in pattern else 8)
        )
        profile = "CN" if number.startswith("+86") else "UK" if number.startswith("+44") else "US"
        attempts = [
            {"at": (now - timedelta(hours=rng.randrange(1, 72))).isoformat(),
             "subject": "advisory", "abandoned": rng.random() < 0.05}
            for _ in range(rng.randrange(4))
        ]  # fmt: skip
        consents = (
            [{"purpose": "marketing", "granted_at": "2025-01-01T00:00:00+00:00"}]
            if rng.random() < 0.7
            else []
        )
        dnc = [{"list": rng.choice(["firm", "national", "tps"])}] if rng.random() < 0.05 else []
        request = DialRequest.model_validate(
            {
                "number": number,
                "profile": profile,
                "purpose": rng.choice(["marketing", "service"]),
                "dial_mode": rng.choice(["preview", "progressive", "predictive"]),
                "subject": "advisory",
                "product_risk": rng.choice([None, "R1", "R2", "R3"]),
            }
        )
        facts = DialFacts.model_validate(
            {
                "account": {
                    "region": rng.choice(REGIONS) if profile != "CN" else None,
                    "address_time_zone": rng.choice(ZONES) if profile != "CN" else None,
                    "line_type": rng.choice(["wireless", "landline", "unknown"]),
                    "risk_level": rng.choice(["C1", "C2", "C3", "C4"]),
                    "risk_assessed_at": (now - timedelta(days=rng.randrange(400))).isoformat(),
                    "existing_customer_since": "2020-01-01T00:00:00+00:00",
                    "client_expects_calls": True,
                    "consents": consents,
                },
                "attempts": attempts,
                "dnc": dnc,
                "dnc_snapshots": {"national": (now - timedelta(days=3)).date().isoformat()},
            }
        )
        cases.append((request, facts, now))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    cases = make_cases(args.cases, random.Random(args.seed))

    began = time.perf_counter()
    valid = sum(
        phonenumbers.is_valid_number(phonenumbers.parse(request.number, None))
        for request, _, _ in cases
    )
    baseline = time.perf_counter() - began

    decide(*cases[0])  # import-time and first-use work out of the measurement
    began = time.perf_counter()
    verdicts = Counter(decide(*case).verdict.value for case in cases)
    gate = time.perf_counter() - began

    print(f"cases: {len(cases)} ({valid} valid numbers)")
    print(f"baseline parse+validate: {baseline:.3f} s, {baseline / len(cases) * 1e6:.1f} µs/number")
    print(
        f"gate decide: {gate:.3f} s, {len(cases) / gate:,.0f} decisions/s, "
        f"{gate / len(cases) * 1e6:.1f} µs/decision"
    )
    print("verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())))
    print(f"ratio gate / baseline: {gate / baseline:.1f}x")


if __name__ == "__main__":
    main()
