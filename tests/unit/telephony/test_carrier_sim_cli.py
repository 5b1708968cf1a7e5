"""The `dialer sim-carrier` entry point refuses bad options with a clear message."""

from __future__ import annotations

import pytest

from dialer.cli.carrier import build_parser, main, simulator_from_args


def test_a_malformed_account_sid_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--account-sid", "AC123", "--auth-token", "t"]) == 2
    assert "--account-sid must be AC followed by 32 hex digits" in capsys.readouterr().out


def test_a_non_positive_speed_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--account-sid", "AC" + "a" * 32, "--auth-token", "t", "--speed", "0"]
    assert main(argv) == 2
    assert "--speed must be positive" in capsys.readouterr().out


def test_options_reach_the_simulator() -> None:
    args = build_parser().parse_args(
        [
            "--account-sid",
            "AC" + "a" * 32,
            "--auth-token",
            "secret",
            "--seed",
            "9",
            "--speed",
            "10",
            "--account-cps",
            "2",
            "--faults",
            '{"duplicate_rate": 0.5, "reorder": true}',
        ]
    )
    simulator = simulator_from_args(args)
    assert simulator.speed == 10.0
    assert simulator.population.seed == 9
    assert simulator.account_calls_per_second == 2.0
    assert simulator.faults.duplicate_rate == 0.5 and simulator.faults.reorder
    assert simulator.scenario.name == "sim-default"
