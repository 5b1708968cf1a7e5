"""Moved: file layouts to `compliance.dnc_files`, the import to `dialer.compliance.dnc_import`,
opt-outs to `dialer.compliance.opt_outs`, the command to `dialer.cli.dnc`. This shim
re-exports them and goes after one release."""

from compliance.dnc_files import (
    DncError,
    DncFileRefused,
    DncImportSummary,
    DncSource,
    NanpValidity,
    header_columns,
    parse_line,
    snapshot_instant,
)
from dialer.compliance.dnc_import import StaleSnapshot, import_dnc_file
from dialer.compliance.opt_outs import InvalidOptOut, OptOut, OptOutChannel, add_opt_out, e164_of

__all__ = [
    "DncError",
    "DncFileRefused",
    "DncImportSummary",
    "DncSource",
    "InvalidOptOut",
    "NanpValidity",
    "OptOut",
    "OptOutChannel",
    "StaleSnapshot",
    "add_opt_out",
    "e164_of",
    "header_columns",
    "import_dnc_file",
    "parse_line",
    "snapshot_instant",
]
