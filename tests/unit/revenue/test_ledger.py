from datetime import timedelta
from decimal import Decimal

import pytest

from revenue.errors import LedgerInconsistent, NothingToReverse
from revenue.ledger import (
    EntryType,
    LedgerEntry,
    balances,
    check_ledger,
    clawback,
    correct_revenue,
    ledger_total,
    paid_so_far,
    post_split,
    reverse_revenue,
)
from revenue.parties import Party
from revenue.split import split_revenue

from .builders import T0, attributed, conversion, revenue, rule_set

BOOKED = T0 + timedelta(days=21)


def posted(amount: str = "1000.00", revenue_id: str = "rev-1") -> tuple[LedgerEntry, ...]:
    split = split_revenue(revenue(amount, revenue_id=revenue_id), attributed(), rule_set())
    return post_split(split, BOOKED)


def test_a_split_is_posted_as_one_traceable_entry_per_account() -> None:
    entries = posted()
    assert [(e.party, e.payee_id, e.amount) for e in entries] == [
        (Party.REP, "rep-1", Decimal("50.00")),
        (Party.TEAM, "team-1", Decimal("10.00")),
        (Party.ACCOUNT_MANAGER, "am-1", Decimal("100.00")),
        (Party.FIRM_RETAINED, None, Decimal("840.00")),
    ]
    assert ledger_total(entries) == Decimal("1000.00")
    for entry in entries:
        assert (entry.conversion_id, entry.lead_id, entry.call_id) == ("conv-1", "lead-1", "call-1")
        assert (entry.rule_firm_id, entry.rule_version, entry.entry_type) == (
            "firm-1",
            1,
            EntryType.SPLIT,
        )
    assert len({entry.entry_key for entry in entries}) == 4


def test_posting_the_same_revenue_twice_is_refused() -> None:
    entries = posted()
    split = split_revenue(revenue("1000.00"), attributed(), rule_set())
    with pytest.raises(LedgerInconsistent, match="already on the ledger"):
        post_split(split, BOOKED, entries)


def test_a_reversal_brings_every_account_back_to_zero_without_touching_the_entries() -> None:
    entries = posted()
    frozen_copy = [entry.model_copy() for entry in entries]
    reversal = reverse_revenue(entries, "rev-1", BOOKED + timedelta(days=3), "wrong amount")
    assert all(balance == 0 for balance in balances([*entries, *reversal]).values())
    assert list(entries) == frozen_copy
    assert {entry.entry_type for entry in reversal} == {EntryType.REVERSAL}
    assert all(entry.reason == "wrong amount" for entry in reversal)
    with pytest.raises(NothingToReverse, match="no open posting"):
        reverse_revenue([*entries, *reversal], "rev-1", BOOKED, "again")
    with pytest.raises(NothingToReverse):
        reverse_revenue(entries, "rev-unknown", BOOKED, "never posted")


def test_a_correction_reverses_and_reposts_with_new_keys() -> None:
    entries = posted("1000.00")
    corrected = split_revenue(revenue("800.00"), attributed(), rule_set())
    correction = correct_revenue(entries, corrected, BOOKED + timedelta(days=1), "back office fix")
    ledger = [*entries, *correction]
    check_ledger(ledger)
    assert ledger_total(ledger) == Decimal("800.00")
    assert balances(ledger)[(Party.REP, "rep-1")] == Decimal("40.00")
    # And a second correction still works off the net position.
    again = correct_revenue(
        ledger, split_revenue(revenue("900.00"), attributed(), rule_set()), BOOKED, "fix again"
    )
    check_ledger([*ledger, *again])
    assert ledger_total([*ledger, *again]) == Decimal("900.00")


def test_clawback_moves_the_payees_shares_to_the_firm_within_the_period() -> None:
    entries = [*posted("1000.00", "rev-1"), *posted("200.00", "rev-2")]
    rules = rule_set(clawback_days=30)
    clawed = clawback(entries, conversion(), T0 + timedelta(days=29), rules, BOOKED)
    ledger = [*entries, *clawed]
    check_ledger(ledger)
    after = balances(ledger)
    assert after[(Party.REP, "rep-1")] == 0
    assert after[(Party.TEAM, "team-1")] == 0
    assert after[(Party.ACCOUNT_MANAGER, "am-1")] == 0
    assert after[(Party.FIRM_RETAINED, None)] == Decimal("1200.00")
    assert ledger_total(ledger) == ledger_total(entries)
    assert {entry.entry_type for entry in clawed} == {EntryType.CLAWBACK}
    # Nothing left to claw back: no further entries.
    assert clawback(ledger, conversion(), T0 + timedelta(days=29), rules, BOOKED) == ()


def test_no_clawback_after_the_period() -> None:
    entries = posted()
    assert (
        clawback(entries, conversion(), T0 + timedelta(days=31), rule_set(clawback_days=30), BOOKED)
        == ()
    )


def test_caps_hold_across_a_conversions_revenue() -> None:
    rules = rule_set(caps_per_conversion={Party.REP: Decimal("60.00")})
    first = post_split(split_revenue(revenue("1000.00"), attributed(), rules), BOOKED)
    paid = paid_so_far(first, "conv-1")
    assert paid[Party.REP] == Decimal("50.00")
    second_split = split_revenue(
        revenue("1000.00", revenue_id="rev-2"), attributed(), rules, paid_so_far=paid
    )
    assert second_split.line(Party.REP).amount == Decimal("10.00")


def test_check_ledger_names_duplicates_and_mixed_currencies() -> None:
    entries = posted()
    with pytest.raises(LedgerInconsistent, match="more than once"):
        check_ledger([*entries, entries[0]])
    dollars = entries[0].model_copy(update={"entry_key": "x", "currency": "USD"})
    with pytest.raises(LedgerInconsistent, match="mixes currencies"):
        check_ledger([*entries, dollars])


def test_ledger_amounts_are_whole_cents() -> None:
    entry = posted()[0]
    with pytest.raises(ValueError, match="whole number of cents"):
        LedgerEntry.model_validate({**entry.model_dump(), "amount": Decimal("0.005")})
