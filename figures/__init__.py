"""The floor's figures, defined once: pure functions over counted rows (no I/O, no clock).

`definitions` turns a `Tally` (the counts SQL takes from the call records) into the
figures the centre runs on; `targets` compares them with a team's targets and shades the
daily personal sheet; `leaderboard` ranks reps (个人风云榜) and sub-teams (小组PK) by the
firm's weights. The wallboard, the reports and the leaderboards all use these; the
definitions are written out in docs/figures.md.
"""
