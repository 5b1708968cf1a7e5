"""Revenue share: attribution of conversions to warm leads, splits to the cent, the
append-only ledger, monthly statements and their reconciliation. Pure: no I/O, no clock."""
