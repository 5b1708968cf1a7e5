"""Loading customer lists: read exports, map columns, normalise phones, segment, validate, merge.

Pure: no database and no clock. `dialer.lists.importer` streams these steps into PostgreSQL.
"""
