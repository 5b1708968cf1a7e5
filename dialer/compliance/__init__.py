"""The compliance edge: the pure `compliance` package run against the database.

- `gatekeeper`: before every dial, `check_numbers` loads the facts of a batch of claimed
  numbers (one query per kind of fact), decides each with `compliance.gate.decide` and
  audits every decision; `campaign_start_problems` for a campaign about to start.
- `dnc_import`: a do-not-call file (read by `compliance.dnc_files`) COPYed into staging
  and merged into `dnc_entries` in one transaction (`dialer dnc import`, `dialer.cli.dnc`).
- `opt_outs`: a do-not-call request from any channel, blocking from that moment, audited.
- `routes`: the compliance API (opt-outs, "why was this customer not called?", the
  campaign start check).

Each module's SQL is in the `.sql` file of the same name.
"""
