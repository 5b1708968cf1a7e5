"""The team leader's console: the team's wallboard, the daily personal sheet, the monthly
leaderboards (个人风云榜, 小组PK) and live monitoring (listen, whisper, barge)."""
