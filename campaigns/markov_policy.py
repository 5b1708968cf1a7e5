"""The constrained Markov decision process of predictive pacing, solved exactly.

The model (the one behind the Markov scenarios' `reference` optimum): N reps; a connected
call keeps a rep busy for an exponential time (talk + wrap, mean `mean_busy`); each
launched call resolves after an exponential time (mean `mean_ring`) and is a person with
probability p, else it ends; a person who finds no free rep is abandoned. At each event the
pacer may launch calls. Maximise the mean busy reps / N subject to abandoned /
person-answered <= alpha.

The state after a decision is (b busy reps, c calls in flight). For a Lagrange multiplier
on abandons, `solve_lagrangian` finds the best deterministic policy by policy iteration
(launch up to c' = T(b, c)); `solve_cmdp` bisects on the multiplier and mixes the two
bracketing policies, which is the CMDP optimum (at small N it randomises between two launch
thresholds). The algorithm is the Lagrangian policy iteration of the project's reference
solver (shared/tools/cmdp/lagpi.py), rewritten vectorised, with time measured in mean busy
times (the policy depends on the ring/busy ratio only) and the multiplier normalised per
rep (`penalty` = multiplier x N x mean busy rate), so that one value suits every team size.

Pure: numpy and scipy, no clock, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.linalg import splu

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


def default_max_in_flight(agents: int, person_probability: float, ring_over_busy: float) -> int:
    """A bound on the calls in flight (the reference solver's): four times the calls in
    flight that keep every rep busy, plus three standard deviations and a margin; the
    optimal policy leaves no mass near it (`PolicyResult.edge_mass`)."""
    p = max(person_probability, 0.02)
    return int(math.ceil((agents * ring_over_busy * 4.0 + 3.0 * math.sqrt(agents) + 10.0) / p)) + 10


@dataclass(frozen=True, slots=True)
class MarkovModel:
    """The uniformised chain on post-decision states (b, c), index b * (max_in_flight + 1) + c."""

    agents: int
    person_probability: float
    ring_over_busy: float
    max_in_flight: int
    transitions: sp.csr_matrix
    rate: float
    occupancy: FloatArray
    persons: FloatArray
    abandons: FloatArray

    @classmethod
    def build(
        cls,
        agents: int,
        person_probability: float,
        ring_over_busy: float,
        max_in_flight: int | None = None,
    ) -> MarkovModel:
        n_agents, p = agents, person_probability
        cmax = (
            max_in_flight
            if max_in_flight is not None
            else default_max_in_flight(agents, p, ring_over_busy)
        )
        nc = cmax + 1
        resolve = 1.0 / ring_over_busy  # per busy time
        rate = n_agents * 1.0 + cmax * resolve
        b = np.repeat(np.arange(n_agents + 1), nc)
        c = np.tile(np.arange(nc), n_agents + 1)
        index = np.arange((n_agents + 1) * nc)
        served = b / rate
        resolved = c * resolve / rate
        has_b = b > 0
        has_c = c > 0
        rows = np.concatenate([index[has_b], index[has_c], index[has_c], index])
        cols = np.concatenate(
            [
                index[has_b] - nc,  # a rep finishes: (b - 1, c)
                np.minimum(b[has_c] + 1, n_agents) * nc + c[has_c] - 1,  # a person answers
                index[has_c] - 1,  # the call ends unanswered
                index,
            ]
        )
        vals = np.concatenate(
            [served[has_b], resolved[has_c] * p, resolved[has_c] * (1 - p), 1 - served - resolved]
        )
        size = (n_agents + 1) * nc
        transitions = sp.csr_matrix((vals, (rows, cols)), shape=(size, size))
        persons = resolve * p * c
        return cls(
            agents=n_agents,
            person_probability=p,
            ring_over_busy=ring_over_busy,
            max_in_flight=cmax,
            transitions=transitions,
            rate=rate,
            occupancy=b / n_agents,
            persons=persons.astype(float),
            abandons=persons * (b == n_agents),
        )

    @property
    def size(self) -> int:
        return (self.agents + 1) * (self.max_in_flight + 1)

    def progressive_policy(self) -> IntArray:
        nc = self.max_in_flight + 1
        b = np.repeat(np.arange(self.agents + 1), nc)
        c = np.tile(np.arange(nc), self.agents + 1)
        return (b * nc + np.maximum(c, np.minimum(self.agents - b, nc - 1))).astype(np.int64)


@dataclass(frozen=True, slots=True)
class PolicyResult:
    """A deterministic policy (post-decision index per pre-decision state) and its long-run
    figures: occupancy, persons and abandons per busy time."""

    policy: IntArray
    occupancy: float
    persons: float
    abandons: float
    edge_mass: float

    @property
    def abandon_rate(self) -> float:
        return self.abandons / self.persons if self.persons > 0 else 0.0

    def targets(self, model: MarkovModel) -> IntArray:
        """T[b, c]: the calls in flight after the decision, as a (N + 1) x (Cmax + 1) table."""
        nc = model.max_in_flight + 1
        return (self.policy % nc).reshape(model.agents + 1, nc)


def _factor(chain: sp.csr_matrix) -> Any:
    """LU of A = I - P + 1 e0^T, which is nonsingular for a unichain P: A h = r gives the
    relative values (h[0] is the gain), and pi A = e0^T the stationary distribution, since
    pi (I - P) = 0 and pi 1 = 1. One factorisation serves both."""
    n = chain.shape[0]
    ones = sp.csr_matrix((np.ones(n), (np.arange(n), np.zeros(n, dtype=np.int64))), shape=(n, n))
    return splu((sp.identity(n, format="csr") - chain + ones).tocsc())


def _stationary(factor: Any, n: int) -> FloatArray:
    rhs = np.zeros(n)
    rhs[0] = 1.0
    pi = np.maximum(np.asarray(factor.solve(rhs, trans="T"), dtype=float), 0.0)
    return np.asarray(pi / pi.sum(), dtype=float)


def _improve(model: MarkovModel, values: FloatArray) -> IntArray:
    """For every pre-decision (b, c), the c' >= c of the highest post-decision value (the
    smallest such c' on ties: launch no call that is not worth it)."""
    nb, nc = model.agents + 1, model.max_in_flight + 1
    q = values.reshape(nb, nc)
    suffix = np.maximum.accumulate(q[:, ::-1], axis=1)[:, ::-1]
    record = q >= suffix - 1e-12
    positions = np.where(record, np.arange(nc)[None, :], nc)
    best = np.minimum.accumulate(positions[:, ::-1], axis=1)[:, ::-1]
    return (np.arange(nb)[:, None] * nc + best).ravel().astype(np.int64)


def evaluate(model: MarkovModel, policy: IntArray, factor: Any = None) -> PolicyResult:
    """The long-run figures of `policy` (`factor`: its chain's `_factor`, when known)."""
    if factor is None:
        factor = _factor(model.transitions[policy, :])
    pi = _stationary(factor, model.size)
    nc = model.max_in_flight + 1
    edge = float(pi[(policy % nc) >= nc - 2].sum())
    return PolicyResult(
        policy=policy,
        occupancy=float(pi @ model.occupancy[policy]),
        persons=float(pi @ model.persons[policy]),
        abandons=float(pi @ model.abandons[policy]),
        edge_mass=edge,
    )


def solve_lagrangian(
    model: MarkovModel,
    penalty: float,
    alpha: float,
    start: IntArray | None = None,
    max_iterations: int = 60,
) -> PolicyResult:
    """The best deterministic policy for occupancy - multiplier x (abandons - alpha x persons),
    the multiplier being `penalty` / N per busy time. `start`: a policy to iterate from."""
    multiplier = penalty / model.agents
    reward = model.occupancy - multiplier * (model.abandons - alpha * model.persons)
    policy = start if start is not None else model.progressive_policy()
    factor = None
    for _ in range(max_iterations):
        factor = _factor(model.transitions[policy, :])
        values = np.asarray(factor.solve(reward[policy] / model.rate), dtype=float)
        post = reward / model.rate + model.transitions @ values
        better = _improve(model, post)
        # keep the old choice where it is as good (no cycling on ties)
        keep = np.isclose(post[policy], post[better], atol=1e-12, rtol=0.0)
        better[keep] = policy[keep]
        if np.array_equal(better, policy):
            break
        policy = better
        factor = None
    return evaluate(model, policy, factor)


@dataclass(frozen=True, slots=True)
class CmdpSolution:
    """The CMDP optimum: `weight` of the time on `loose` (over the cap), the rest on `tight`."""

    occupancy: float
    tight: PolicyResult
    loose: PolicyResult
    weight: float
    penalty: float


def solve_cmdp(model: MarkovModel, alpha: float, tolerance: float = 1e-5) -> CmdpSolution:
    """Bisect the multiplier until the bracketing deterministic policies meet, and time-share
    them so that the abandon rate is exactly alpha."""
    low, high = 0.0, 1.0
    loose = solve_lagrangian(model, low, alpha)
    if loose.abandons <= alpha * loose.persons:
        return CmdpSolution(loose.occupancy, loose, loose, 0.0, 0.0)
    tight = solve_lagrangian(model, high, alpha, loose.policy)
    while tight.abandons > alpha * tight.persons:
        low, loose = high, tight
        high *= 4.0
        tight = solve_lagrangian(model, high, alpha, tight.policy)
    while high - low > tolerance * max(1.0, high):
        middle = 0.5 * (low + high)
        result = solve_lagrangian(model, middle, alpha, tight.policy)
        if result.abandons > alpha * result.persons:
            low, loose = middle, result
        else:
            high, tight = middle, result
        if np.array_equal(loose.policy, tight.policy):
            break
    over = loose.abandons - alpha * loose.persons
    under = tight.abandons - alpha * tight.persons
    weight = 0.0 if over <= under else min(1.0, max(0.0, -under / (over - under)))
    occupancy = weight * loose.occupancy + (1.0 - weight) * tight.occupancy
    return CmdpSolution(occupancy, tight, loose, weight, high)
