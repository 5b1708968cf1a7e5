"""The pure choice of an account manager (no database)."""

from dialer.leads.assignment import AssignmentPolicy, Candidate, choose_account_manager


def test_manual_or_nobody_leaves_the_lead_in_the_queue() -> None:
    assert choose_account_manager([Candidate(1, 0, None)], AssignmentPolicy.MANUAL) is None
    assert choose_account_manager([], AssignmentPolicy.ROUND_ROBIN) is None
    assert choose_account_manager([], AssignmentPolicy.LEAST_LOADED) is None


def test_round_robin_picks_never_assigned_first_then_least_recent() -> None:
    candidates = [Candidate(1, 0, 30), Candidate(2, 5, 10), Candidate(3, 0, None)]
    assert choose_account_manager(candidates, AssignmentPolicy.ROUND_ROBIN) == 3
    assert choose_account_manager(candidates[:2], AssignmentPolicy.ROUND_ROBIN) == 2


def test_least_loaded_picks_fewest_open_leads_then_rotation_then_id() -> None:
    candidates = [Candidate(1, 2, 5), Candidate(2, 1, 9), Candidate(3, 1, 7)]
    assert choose_account_manager(candidates, AssignmentPolicy.LEAST_LOADED) == 3
    tied = [Candidate(5, 0, None), Candidate(4, 0, None)]
    assert choose_account_manager(tied, AssignmentPolicy.LEAST_LOADED) == 4
    assert choose_account_manager(tied, AssignmentPolicy.ROUND_ROBIN) == 4
