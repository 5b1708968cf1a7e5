"""The live campaign engine: the hopper, the compliance gate at dial time, the pacing loop
and answer handling, running the pure core of `campaigns/` against PostgreSQL and a
telephony provider."""
