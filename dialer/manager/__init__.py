"""The campaign manager's console: campaigns (list, create, edit, start, pause, finish,
clone), the live view per campaign over the event bus, service-campaign coverage and the
what-if planner."""
