"""The list commands: `dialer lists import FILE --name NAME [...]` (the library:
``dialer.lists.importer``) and `dialer lists presets list|save|delete`
(``dialer.lists.presets``). Each exits 2 on a refused file or mapping."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from campaigns.lists.columns import parse_mapping
from campaigns.lists.errors import ListLoadError
from dialer.cli.context import command_context, run_refusing
from dialer.lists.importer import ImportOptions, ListImportError, import_file, write_reject_file
from dialer.lists.presets import delete_preset, list_presets, save_preset


def estimate_rows(path: Path, sample_bytes: int = 64 * 1024) -> int:
    """How many records a text file holds, from the line length of its first bytes (0 for a
    workbook or an empty file: the bar then shows rows without a percentage)."""
    size = path.stat().st_size
    with path.open("rb") as raw:
        sample = raw.read(sample_bytes)
    if sample.startswith(b"PK") or not sample:
        return 0
    lines = sample.count(b"\n") or 1
    return max(1, round(size * lines / len(sample)) - 1)  # less the header


class ProgressBar:
    """`dialer lists import`'s progress on the terminal: a bar of rows read against the rows
    the file is estimated to hold; merging follows once the bar is full."""

    WIDTH = 30

    def __init__(self, name: str, estimated_rows: int) -> None:
        self.name = name
        self.estimated_rows = estimated_rows

    def render(self, rows: int, *, done: bool = False) -> str:
        if self.estimated_rows <= 0 and not done:
            return f"\r{self.name}: {rows:,} rows read"
        fraction = 1.0 if done else min(rows / max(self.estimated_rows, 1), 0.99)
        filled = int(fraction * self.WIDTH)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        return f"\r{self.name} [{bar}] {fraction:4.0%} {rows:,} rows"


def import_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialer lists import", description="Load a customer list (CSV, TSV or XLSX)."
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--name", required=True, help="the list's name (created if new)")
    parser.add_argument("--region", default="CN", help="default region for phone numbers")
    parser.add_argument("--encoding", help="text encoding (detected when absent), e.g. gb18030")
    parser.add_argument(
        "--mapping", default="", help="header=field pairs or JSON, e.g. '备用号码=phone'"
    )
    parser.add_argument(
        "--preset", help="a saved mapping (dialer lists presets); --mapping wins over it"
    )
    parser.add_argument("--sheet", help="workbook sheet (the first one when absent)")
    parser.add_argument("--force", action="store_true", help="import again a file already loaded")
    parser.add_argument("--rejects", type=Path, help="write the rejected rows to this CSV")
    parser.add_argument("--json", action="store_true", help="print one JSON summary object")
    parser.add_argument("--workers", type=int, help="validation processes (default: by size)")
    return parser


async def _import(args: argparse.Namespace) -> int:
    options = ImportOptions(
        list_name=args.name,
        region=args.region,
        encoding=args.encoding,
        mapping=parse_mapping(args.mapping),
        preset=args.preset,
        sheet=args.sheet,
        force=args.force,
        workers=args.workers,
    )
    bar = ProgressBar(args.file.name, estimate_rows(args.file)) if sys.stderr.isatty() else None

    def progress(rows: int) -> None:
        if bar is not None:
            sys.stderr.write(bar.render(rows))
            sys.stderr.flush()

    async with command_context(max_size=1) as command, command.pool.acquire() as connection:
        summary = await import_file(
            connection, args.file, options, now=command.now(), progress=progress
        )
        if bar is not None:
            sys.stderr.write(bar.render(summary.tally.rows, done=True) + "\n")
        if args.rejects and summary.import_id is not None:
            with args.rejects.open("w", encoding="utf-8", newline="") as out:
                await write_reject_file(connection, summary.import_id, out)
    if args.json:
        print(json.dumps(summary.as_json(), ensure_ascii=False))
    elif summary.skipped:
        print(
            f"{args.file.name} was already imported (import {summary.previous_import_id}); "
            "nothing changed. Pass --force to import it again."
        )
    else:
        tally = summary.tally
        print(
            f"list {summary.list_id}: {tally.rows:,} rows = {tally.accepted:,} accepted "
            f"+ {tally.merged:,} merged + {tally.rejected:,} rejected "
            f"in {summary.seconds:.1f} s"
        )
        for reason, count in sorted(tally.reject_reasons.items()):
            print(f"  rejected {reason}: {count:,}")
    return 0


def import_main(argv: list[str] | None = None) -> int:
    """`dialer lists import FILE --name NAME [...]`; exit 0 on success, 2 on a refused file."""
    args = import_parser().parse_args(argv)
    return run_refusing(_import(args), (ListLoadError, ListImportError), "error: ")


def presets_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialer lists presets", description="Saved column mappings for list loading."
    )
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="show the saved presets")
    save = actions.add_parser("save", help="save (or replace) a preset")
    save.add_argument("name")
    save.add_argument("mapping", help="header=field pairs or JSON, e.g. '备用号码=phone,客户=name'")
    delete = actions.add_parser("delete", help="delete a preset")
    delete.add_argument("name")
    return parser


async def _presets(args: argparse.Namespace) -> int:
    async with command_context(max_size=1) as command, command.pool.acquire() as connection:
        if args.action == "list":
            for preset in await list_presets(connection):
                pairs = ", ".join(f"{k}={v}" for k, v in preset["mapping"].items())
                print(f"{preset['name']}: {pairs}")
        elif args.action == "save":
            preset = await save_preset(
                connection,
                args.name,
                parse_mapping(args.mapping),
                user_id=None,
                now=command.now(),
            )
            print(f"saved preset {preset['name']!r}")
        elif not await delete_preset(connection, args.name):
            print(f"no mapping preset named {args.name!r}", file=sys.stderr)
            return 1
        else:
            print(f"deleted preset {args.name!r}")
    return 0


def presets_main(argv: list[str] | None = None) -> int:
    """`dialer lists presets list|save|delete`; exit 1 deleting an unknown preset, 2 on a
    refused mapping."""
    args = presets_parser().parse_args(argv)
    return run_refusing(_presets(args), (ListLoadError,), "dialer lists presets: ")
