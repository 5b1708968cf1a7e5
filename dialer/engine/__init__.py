"""The live campaign engine: the pure core of `campaigns/` run against PostgreSQL and a
telephony provider, one module a job.

- `settings.py`: a campaign as its engine runs it (`CampaignSettings`, `load_campaign`,
  its pacer, its home clock);
- `loop.py`: `CampaignEngine`, the tick (snapshot, pacing decision, abandon budget) and
  the warm-up of a restarted engine;
- `launching.py`: claim numbers from the hopper (`hopper.py`), gate them, place them;
- `answers.py`: who takes an answered call; `settling.py`: what happens after it;
- `sweeps.py`: calls whose create or end was never reported;
- `store.py`: the engine's data by named operation (`EngineStore`, the records in
  `records.py`), on PostgreSQL (`pg_store.py`, `store.sql`) or in memory
  (`memory_store.py`, for tests);
- `service.py`: the engines running in this process, and the webhooks' routing to them;
  `preview.py`: a rep's preview dial; `figures.py`: the campaign's figures.
"""
