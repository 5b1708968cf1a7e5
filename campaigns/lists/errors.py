"""What can go wrong while loading a customer list, in words a campaign manager can act on."""

from __future__ import annotations

from campaigns.errors import CampaignError


class ListLoadError(CampaignError):
    """The list could not be loaded; the message says what was wrong and what to do."""


class UnreadableFile(ListLoadError):
    """The file is not a CSV, TSV or XLSX export we can read (truncated, binary or corrupt)."""


class UnknownEncoding(ListLoadError):
    """The text encoding could not be determined; pass one explicitly, e.g. --encoding gb18030."""


class SheetNotFound(ListLoadError):
    """The workbook has no sheet of that name; pass one of the sheet names listed."""


class MappingError(ListLoadError):
    """The column mapping is wrong: a column or field name that does not exist."""


class RulesError(ListLoadError):
    """The segment or tier rules are inconsistent (e.g. a gold threshold above diamond)."""
