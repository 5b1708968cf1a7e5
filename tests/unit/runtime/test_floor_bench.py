"""The floor benchmark's pure parts: reading /metrics, the histogram quantile, the CPU
figure of /proc/<pid>/stat and the saturation verdict (the benchmark itself is not a test)."""

from __future__ import annotations

import pytest

from benchmarks.floor_bench import (
    TICKS,
    Step,
    cpu_seconds,
    delta,
    gauge,
    histogram,
    quantile,
    saturated,
)

METRICS = """\
# HELP dialer_webhook_seconds How long
# TYPE dialer_webhook_seconds histogram
dialer_webhook_seconds_bucket{hook="answer",le="0.005",provider="twilio"} 10.0
dialer_webhook_seconds_bucket{hook="answer",le="0.01",provider="twilio"} 90.0
dialer_webhook_seconds_bucket{hook="answer",le="0.025",provider="twilio"} 100.0
dialer_webhook_seconds_bucket{hook="answer",le="+Inf",provider="twilio"} 100.0
dialer_webhook_seconds_count{hook="answer",provider="twilio"} 100.0
dialer_webhook_seconds_sum{hook="answer",provider="twilio"} 0.8
dialer_webhook_seconds_bucket{hook="status",le="0.005",provider="twilio"} 7.0
dialer_webhook_seconds_bucket{hook="status",le="+Inf",provider="twilio"} 7.0
# HELP dialer_event_loop_lag_seconds lag
# TYPE dialer_event_loop_lag_seconds gauge
dialer_event_loop_lag_seconds 0.042
"""


def test_histogram_reads_one_labelled_series() -> None:
    answers = histogram(METRICS, "dialer_webhook_seconds", {"hook": "answer"})
    assert answers == {0.005: 10.0, 0.01: 90.0, 0.025: 100.0, float("inf"): 100.0}
    assert histogram(METRICS, "dialer_webhook_seconds", {"hook": "status"})[float("inf")] == 7


def test_quantile_interpolates_inside_the_bucket() -> None:
    answers = histogram(METRICS, "dialer_webhook_seconds", {"hook": "answer"})
    # rank 50 of 100 lies in (0.005, 0.01]: 40 of its 80 observations
    assert quantile(answers, 0.5) == pytest.approx(0.0075)
    # rank 99 lies in (0.01, 0.025]: 9 of its 10
    assert quantile(answers, 0.99) == pytest.approx(0.0235)
    assert quantile({0.01: 0.0, float("inf"): 0.0}, 0.99) is None


def test_delta_subtracts_the_earlier_scrape() -> None:
    later = {0.01: 30.0, float("inf"): 40.0}
    assert delta(later, {0.01: 10.0, float("inf"): 15.0}) == {0.01: 20.0, float("inf"): 25.0}


def test_gauge_and_cpu_seconds() -> None:
    assert gauge(METRICS, "dialer_event_loop_lag_seconds") == pytest.approx(0.042)
    assert gauge(METRICS, "missing") is None
    # a process name with spaces and parentheses; utime 300, stime 100 ticks
    line = "123 (python (x) y) S 1 123 123 0 -1 4194560 10 0 0 0 300 100 0 0 20 0 1 0"
    assert cpu_seconds(line) == pytest.approx(400 / TICKS)


def test_saturated_names_the_worst_limit_first() -> None:
    calm = Step(reps=500, seconds=60, cpu={"web": 20.0, "worker1": 10.0}, worker_lag_s=0.01)
    calm.answer_p99_s = 0.02
    assert saturated(calm) == []
    busy = Step(reps=2000, seconds=60, cpu={"web": 57.0, "worker1": 10.0}, worker_lag_s=0.3)
    busy.answer_p99_s = 0.04
    hits = saturated(busy)
    assert hits[0].startswith("worker loop lag")  # 3x its limit, the web's CPU ~1.06x
    assert any(hit.startswith("web CPU") for hit in hits)
    assert not any(hit.startswith("postgres") for hit in hits)
