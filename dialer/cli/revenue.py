"""The revenue commands: `dialer conversions import`, `dialer revenue post`, `dialer revenue
reconcile`, `dialer revenue clawback` and `dialer revenue reverse` (the library:
``dialer.revenue``). Each exits 2 naming what was wrong, writing nothing then."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from dialer import db
from dialer.cli.context import CommandContext, firm_time_zone, parse_or_exit_code, run_with_database
from dialer.leads.errors import LeadError
from dialer.quality.coefficients import record_overrides, refresh_coefficients
from dialer.revenue.conversions import ImportReport, import_conversions
from dialer.revenue.corrections import claw_back_account, reverse_by_reference
from dialer.revenue.ledger import post_revenue, read_scores, store_rule_set
from dialer.revenue.restatement import restate_coefficients
from dialer.revenue.statements import MonthCheck, reconcile_ledger
from dialer.settings import SettingsError
from revenue.conversion_files import Rejection, decode
from revenue.errors import RevenueError
from revenue.rules import RuleSet
from revenue.statements import Month, statements_csv

_TIME_ZONE_HELP = "the firm's time zone"


def _conversions_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialer conversions import",
        description="Import the back office's conversions (CSV); every row accepted or rejected.",
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--time-zone", default="Asia/Shanghai", help=_TIME_ZONE_HELP)
    parser.add_argument("--revenue-days", type=int, default=365)
    parser.add_argument("--rejects", type=Path, help="write rejected rows with reasons (CSV)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def write_rejects(path: Path, rejected: Iterable[Rejection]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("line", "reason", "row"))
        for rejection in rejected:
            writer.writerow((rejection.line, rejection.reason, rejection.raw))


def conversions_main(argv: list[str]) -> int:
    """`dialer conversions import FILE`: exit 0 when every row was accepted, 1 when some were
    rejected, 2 when nothing was imported (the error says why)."""
    prog = "dialer conversions import"
    args = parse_or_exit_code(_conversions_parser(), argv)
    if isinstance(args, int):
        return args
    time_zone = firm_time_zone(prog, args.time_zone)
    if time_zone is None:
        return 2
    try:
        text = decode(args.file.read_bytes())
        report: ImportReport = run_with_database(
            lambda command: import_conversions(
                command.pool,
                text,
                now=command.now(),
                time_zone=time_zone,
                file_name=args.file.name,
                revenue_days=args.revenue_days,
            )
        )
    except (LeadError, RevenueError, SettingsError, db.DatabaseError) as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"{prog}: error: cannot read {args.file}: {error}", file=sys.stderr)
        return 2
    if args.rejects is not None:
        write_rejects(args.rejects, report.rejected)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print(report.summary())
        for rejection in report.rejected:
            print(f"  line {rejection.line}: {rejection.reason}")
    return 1 if report.rejected else 0


def _post_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialer revenue post",
        description="Compute the service coefficients of every month with revenue, split "
        "attributed revenue under the firm's rules, post it, and restate what a changed "
        "coefficient scaled (reversing and new entries).",
    )
    parser.add_argument("--rules", type=Path, help="a rule version (JSON) to store first")
    parser.add_argument("--time-zone", default="Asia/Shanghai", help=_TIME_ZONE_HELP)
    parser.add_argument(
        "--scores",
        type=Path,
        help="an override of service coefficients for --month: CSV user_id,score (with --reason)",
    )
    parser.add_argument("--month", help="YYYY-MM the --scores override is for")
    parser.add_argument("--reason", default="", help="why the --scores override (recorded)")
    return parser


def post_main(argv: list[str]) -> int:
    """`dialer revenue post [--rules FILE.json] [--scores FILE --month M --reason TEXT]`:
    store a rule version if given, record an override if given, compute the months'
    coefficients, post every attributed revenue row not yet on the ledger and restate
    entries whose coefficient changed. Exit 0, or 2 on errors (nothing written then)."""
    prog = "dialer revenue post"
    args = parse_or_exit_code(_post_parser(), argv)
    if isinstance(args, int):
        return args
    try:
        time_zone = ZoneInfo(args.time_zone)
        rule_set = (
            RuleSet.model_validate_json(args.rules.read_text(encoding="utf-8"))
            if args.rules
            else None
        )
        scores = read_scores(args.scores.read_text(encoding="utf-8")) if args.scores else None
        if scores is not None and (not args.month or not args.reason.strip()):
            raise LeadError("--scores is an override: give the --month it is for and a --reason")
        month = Month.parse(args.month) if args.month else None

        async def post(command: CommandContext) -> dict[str, object]:
            now = command.now()
            if rule_set is not None:
                await store_rule_set(command.pool, rule_set)
            if scores is not None and month is not None:
                await record_overrides(command.pool, month, scores, reason=args.reason, now=now)
            figures = await refresh_coefficients(command.pool, tz=time_zone, now=now)
            report = await post_revenue(command.pool, now=now, time_zone=time_zone)
            restated = await restate_coefficients(command.pool, now=now, time_zone=time_zone)
            return report.to_dict() | {
                "coefficients": {
                    period: {str(user): str(f.score) for user, f in people.items()}
                    for period, people in figures.items()
                },
                "restated": restated.to_dict(),
            }

        summary = run_with_database(post)
    except ValidationError as error:
        print(f"{prog}: error: invalid rules: {error}", file=sys.stderr)
        return 2
    except (LeadError, RevenueError, SettingsError, db.DatabaseError, OSError) as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2
    except (ZoneInfoNotFoundError, ValueError) as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def _reconcile_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialer revenue reconcile",
        description="Check that the centre's, the branches' and the firm's statements add up "
        "to the ledger exactly; exit 1 naming every difference if not.",
    )
    parser.add_argument("--month", help="YYYY-MM (default: every month on the ledger)")
    parser.add_argument("--time-zone", default="Asia/Shanghai", help=_TIME_ZONE_HELP)
    parser.add_argument("--csv", type=Path, help="also write the month's statements as CSV")
    return parser


def reconcile_main(argv: list[str]) -> int:
    """`dialer revenue reconcile`: exit 0 when everything reconciles, 1 naming the
    differences, 2 on errors."""
    prog = "dialer revenue reconcile"
    args = parse_or_exit_code(_reconcile_parser(), argv)
    if isinstance(args, int):
        return args
    try:
        month = Month.parse(args.month) if args.month else None
        time_zone = ZoneInfo(args.time_zone)
    except (RevenueError, ZoneInfoNotFoundError, ValueError) as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2
    try:
        checks: list[MonthCheck] = run_with_database(
            lambda command: reconcile_ledger(command.pool, month, time_zone)
        )
    except (LeadError, RevenueError, SettingsError, db.DatabaseError) as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2
    if not checks:
        print("the revenue ledger is empty: nothing to reconcile")
    for check in checks:
        print(check.reconciliation.report())
    if args.csv is not None:
        every = [statement for check in checks for statement in check.statements.statements]
        args.csv.write_text(statements_csv(every), encoding="utf-8")
    return 0 if all(check.ok for check in checks) else 1


Correction = Callable[[CommandContext, ZoneInfo], Awaitable[int]]


def _correction_args(
    prog: str, description: str, argv: list[str], *required: tuple[str, str]
) -> argparse.Namespace | int:
    """A correction's arguments: its ``required`` flags (with their help) and --time-zone."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    for flag, help_text in required:
        parser.add_argument(flag, required=True, help=help_text)
    parser.add_argument("--time-zone", default="Asia/Shanghai", help=_TIME_ZONE_HELP)
    return parse_or_exit_code(parser, argv)


def _correct(prog: str, time_zone_name: str, correction: Correction) -> tuple[int, int]:
    """(exit code, entries written), printing any error as ``prog: error: …``."""
    time_zone = firm_time_zone(prog, time_zone_name)
    if time_zone is None:
        return 2, 0
    try:
        return 0, run_with_database(lambda command: correction(command, time_zone))
    except (LeadError, SettingsError, db.DatabaseError) as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2, 0


def clawback_main(argv: list[str]) -> int:
    """`dialer revenue clawback --account NUMBER --left YYYY-MM-DD`: the customer left on that
    day; the payees' shares still in the clawback period are reversed and credited to the
    firm (``dialer.revenue.corrections``). Exit 0 with a JSON summary, 2 on errors."""
    prog = "dialer revenue clawback"
    args = _correction_args(
        prog,
        "A customer left: claw back the shares of their conversions still in the "
        "rules' clawback period (reversed, credited to the firm, booked this month).",
        argv,
        ("--account", "the customer's account number"),
        ("--left", "the day they left, YYYY-MM-DD"),
    )
    if isinstance(args, int):
        return args
    try:
        left_on = date.fromisoformat(args.left)
    except ValueError:
        print(f"{prog}: error: --left {args.left!r} is not a YYYY-MM-DD date", file=sys.stderr)
        return 2
    code, written = _correct(
        prog,
        args.time_zone,
        lambda command, tz: claw_back_account(
            command.pool, args.account, left_on, now=command.now(), time_zone=tz
        ),
    )
    if code == 0:
        summary = {"account": args.account, "left": left_on.isoformat(), "entries": written}
        if not written:
            summary["note"] = "nothing to claw back: no share of theirs is within the period"
        print(json.dumps(summary, ensure_ascii=False))
    return code


def reverse_main(argv: list[str]) -> int:
    """`dialer revenue reverse --conversion REF --reason TEXT`: everything the revenue row
    reported as REF put on the ledger is reversed. Exit 0 with a JSON summary, 2 on errors."""
    prog = "dialer revenue reverse"
    args = _correction_args(
        prog,
        "Reverse everything a reported revenue row put on the ledger (a correction, "
        "booked this month; the statements show the reason).",
        argv,
        ("--conversion", "the row's external_ref"),
        ("--reason", "why, as the statements will show it"),
    )
    if isinstance(args, int):
        return args
    code, written = _correct(
        prog,
        args.time_zone,
        lambda command, tz: reverse_by_reference(
            command.pool, args.conversion, args.reason, now=command.now(), time_zone=tz
        ),
    )
    if code == 0:
        print(json.dumps({"conversion": args.conversion, "entries": written}, ensure_ascii=False))
    return code
