"""`dialer dnc import FILE --source firm|national|tps|ctps|cn_refusal`: load a do-not-call
list or a national register snapshot (layouts: `compliance.dnc_files`; the import:
`dialer.compliance.dnc_import`). Exit 0 imported (or already), 2 file refused."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from compliance.dnc_files import DncError, DncImportSummary, DncSource
from dialer.cli.context import command_context, run_refusing
from dialer.compliance.dnc_import import import_dnc_file


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialer dnc import",
        description="Import a do-not-call file: the firm's list or a national register.",
    )
    parser.add_argument("file", type=Path)
    parser.add_argument(
        "--source", required=True, choices=[s.value for s in DncSource], help="which list"
    )
    parser.add_argument(
        "--snapshot-date",
        type=date.fromisoformat,
        help="the date the register was published (YYYY-MM-DD; default today, UTC)",
    )
    parser.add_argument(
        "--region", help="default region for national-format numbers (default by source)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON summary object")
    return parser


def _print_summary(summary: DncImportSummary) -> None:
    if summary.already_imported:
        print(
            f"{summary.file_name} was already imported as {summary.source} snapshot "
            f"{summary.snapshot_id} of {summary.snapshot_date}; nothing changed."
        )
        return
    print(
        f"{summary.source} snapshot {summary.snapshot_id} of {summary.snapshot_date}: "
        f"{summary.lines:,} lines = {summary.accepted:,} accepted + {summary.duplicates:,} "
        f"duplicates + {summary.rejected:,} rejected"
    )
    print(
        f"  entries: {summary.added:,} new, {summary.reactivated:,} listed again, "
        f"{summary.kept:,} still listed, {summary.expired:,} no longer listed (expired)"
    )
    for reason, count in summary.reject_reasons.items():
        print(f"  rejected {reason}: {count:,}")
    for reject in summary.rejects[:10]:
        print(f"  line {reject.line_number}: {reject.reason}: {reject.raw}")


async def _run(args: argparse.Namespace) -> int:
    async with command_context(max_size=1) as command, command.pool.acquire() as connection:
        summary = await import_dnc_file(
            connection,
            args.file,
            DncSource(args.source),
            command.now(),
            snapshot_date=args.snapshot_date,
            region=args.region,
        )
    if args.json:
        print(json.dumps(summary.as_json(), ensure_ascii=False))
    else:
        _print_summary(summary)
    return 0


def main(argv: list[str] | None = None) -> int:
    """`dialer dnc import FILE --source ...`: 0 imported (or already), 2 file refused."""
    return run_refusing(_run(build_parser().parse_args(argv)), (DncError,), "error: ")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
