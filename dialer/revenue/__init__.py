"""The revenue edge: the ledger, statements, corrections and conversions in PostgreSQL (the
service-side mirror of the pure `revenue` package)."""
