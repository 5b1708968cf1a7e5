"""The monthly contests: 个人风云榜 (reps by the weighted sum of their scores) and 小组PK
(sub-teams by the average of their members' totals plus discipline points).

Each weighted figure is scored 0–100 by rank among the board's reps, in the figure's
direction (best 100, worst 0, ties share the average of their places; a rep with no value
scores 0); a rep's total is the weighted sum of their scores over the sum of the weights.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from figures.definitions import DIRECTION, Better, Figure, FigureValue, Tally, figures_of

#: the firm's default weights (configurable per firm in `leaderboard_weights`)
DEFAULT_WEIGHTS: dict[Figure, Decimal] = {
    Figure.CALLS_PER_HOUR: Decimal(1),
    Figure.AVERAGE_TALK_SECONDS: Decimal(1),
    Figure.FIRST_CONTACT_RESOLUTION: Decimal(1),
    Figure.UTILISATION: Decimal(1),
}
#: the figures a weight may be set on (migrations/0028 checks the same list)
WEIGHTABLE = frozenset(
    {
        Figure.CALLS_PER_HOUR,
        Figure.AVERAGE_TALK_SECONDS,
        Figure.FIRST_CONTACT_RESOLUTION,
        Figure.UTILISATION,
        Figure.CONTACTS,
        Figure.WARM_LEADS,
        Figure.CONTACT_RATE,
        Figure.TALK_SECONDS,
        Figure.DIALS,
        Figure.LEADS_WON,
        Figure.QA_SCORE,
        Figure.SMS_SATISFACTION,
    }
)
_HUNDRED = Decimal(100)
_PLACES = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Entrant:
    user_id: int
    name: str
    sub_team_id: int | None
    tally: Tally


@dataclass(frozen=True, slots=True)
class Standing:
    rank: int
    user_id: int
    name: str
    sub_team_id: int | None
    values: dict[Figure, FigureValue]
    scores: dict[Figure, Decimal]
    total: Decimal


@dataclass(frozen=True, slots=True)
class TeamStanding:
    rank: int
    sub_team_id: int
    name: str
    members: int
    average: Decimal
    points: int
    total: Decimal


def rank_scores(values: Mapping[int, FigureValue], better: Better) -> dict[int, Decimal]:
    """0–100 by rank: the best 100, the worst 0; ties share their average place; None 0."""
    present = [(key, Decimal(value)) for key, value in values.items() if value is not None]
    scores = {key: Decimal(0) for key, value in values.items() if value is None}
    if not present:
        return scores
    if len(present) == 1:
        return scores | {present[0][0]: _HUNDRED}
    ordered = sorted(present, key=lambda kv: kv[1], reverse=better is Better.HIGHER)
    span = Decimal(len(ordered) - 1)
    index = 0
    while index < len(ordered):
        end = index
        while end + 1 < len(ordered) and ordered[end + 1][1] == ordered[index][1]:
            end += 1
        place = Decimal(index + end) / 2  # average 0-based place of the tie
        score = (_HUNDRED * (span - place) / span).quantize(_PLACES, ROUND_HALF_UP)
        for key, _value in ordered[index : end + 1]:
            scores[key] = score
        index = end + 1
    return scores


def personal_board(
    entrants: Sequence[Entrant], weights: Mapping[Figure, Decimal]
) -> list[Standing]:
    """个人风云榜: every entrant ranked by their weighted score (ties: lower user id first,
    sharing the rank)."""
    used = {figure: weight for figure, weight in weights.items() if weight > 0}
    values = {entrant.user_id: figures_of(entrant.tally) for entrant in entrants}
    scores: dict[int, dict[Figure, Decimal]] = {entrant.user_id: {} for entrant in entrants}
    for figure in used:
        by_rep = rank_scores(
            {user: figures[figure] for user, figures in values.items()}, DIRECTION[figure]
        )
        for user, score in by_rep.items():
            scores[user][figure] = score
    weight_sum = sum(used.values(), Decimal(0))

    def total_of(user_id: int) -> Decimal:
        if weight_sum == 0:
            return Decimal(0)
        weighted = sum((scores[user_id][f] * w for f, w in used.items()), Decimal(0))
        return (weighted / weight_sum).quantize(_PLACES, ROUND_HALF_UP)

    totals = {entrant.user_id: total_of(entrant.user_id) for entrant in entrants}
    ordered = sorted(entrants, key=lambda e: (-totals[e.user_id], e.user_id))
    standings: list[Standing] = []
    for position, entrant in enumerate(ordered, start=1):
        tied = standings and standings[-1].total == totals[entrant.user_id]
        standings.append(
            Standing(
                rank=standings[-1].rank if tied else position,
                user_id=entrant.user_id,
                name=entrant.name,
                sub_team_id=entrant.sub_team_id,
                values={f: values[entrant.user_id][f] for f in used},
                scores=scores[entrant.user_id],
                total=totals[entrant.user_id],
            )
        )
    return standings


def sub_team_board(
    standings: Sequence[Standing],
    sub_teams: Mapping[int, str],
    points: Mapping[int, int],
) -> list[TeamStanding]:
    """小组PK: each sub-team's members' average total plus its discipline points."""
    members: dict[int, list[Decimal]] = {sub_team: [] for sub_team in sub_teams}
    for standing in standings:
        if standing.sub_team_id in members:
            members[standing.sub_team_id].append(standing.total)
    rows = []
    for sub_team, totals in members.items():
        average = (
            (sum(totals, Decimal(0)) / len(totals)).quantize(_PLACES, ROUND_HALF_UP)
            if totals
            else Decimal(0)
        )
        extra = points.get(sub_team, 0)
        rows.append((sub_team, len(totals), average, extra, average + extra))
    rows.sort(key=lambda row: (-row[4], row[0]))
    board: list[TeamStanding] = []
    for position, (sub_team, count, average, extra, score) in enumerate(rows, start=1):
        tied = board and board[-1].total == score
        board.append(
            TeamStanding(
                rank=board[-1].rank if tied else position,
                sub_team_id=sub_team,
                name=sub_teams[sub_team],
                members=count,
                average=average,
                points=extra,
                total=score,
            )
        )
    return board
