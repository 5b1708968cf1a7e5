"""Reports: the floor's figures per rep, team, campaign, list, segment and branch, by day,
week or month, as pages with charts and as CSV / XLSX (docs/figures.md)."""
