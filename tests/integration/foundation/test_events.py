import asyncio

from dialer.events import EventBus, agent_channel


async def test_events_cross_processes_through_postgres(pool):
    engine_side = EventBus(pool)
    console_side = EventBus(pool)
    await engine_side.start()
    await console_side.start()
    try:
        async with (
            console_side.subscribe(agent_channel(7)) as queue,
            console_side.subscribe(agent_channel(8)) as other,
        ):
            await engine_side.publish(
                agent_channel(7), {"kind": "call_connected", "call_attempt_id": 1}
            )
            event = await asyncio.wait_for(queue.get(), 5)
            assert event == {"kind": "call_connected", "call_attempt_id": 1}
            await asyncio.sleep(0.05)
            assert other.empty()
    finally:
        await engine_side.close()
        await console_side.close()


async def test_in_process_bus_without_a_pool():
    bus = EventBus()
    async with bus.subscribe("campaign:1") as queue:
        await bus.publish("campaign:1", {"kind": "pacing", "lines": 3})
        await bus.publish("campaign:2", {"kind": "pacing", "lines": 9})
        assert queue.get_nowait() == {"kind": "pacing", "lines": 3}
        assert queue.empty()


async def test_the_bus_listens_again_after_its_connection_is_lost(pool):
    """A database restart drops the LISTEN connection: the bus takes a new one by itself."""
    publisher = EventBus(pool)
    listener = EventBus(pool, retry_seconds=0.05)
    await publisher.start()
    await listener.start()
    try:
        assert listener._listener is not None
        backend = listener._listener.get_server_pid()
        await pool.execute("SELECT pg_terminate_backend($1)", backend)
        for _ in range(200):
            if listener.listening and listener._listener.get_server_pid() != backend:
                break
            await asyncio.sleep(0.05)
        assert listener.listening and listener._listener.get_server_pid() != backend
        async with listener.subscribe(agent_channel(9)) as queue:
            await publisher.publish(agent_channel(9), {"kind": "state", "state": "ready"})
            assert await asyncio.wait_for(queue.get(), 5) == {"kind": "state", "state": "ready"}
    finally:
        await publisher.close()
        await listener.close()


async def test_a_tap_hears_every_channel_including_other_processes(pool):
    here, there = EventBus(pool), EventBus(pool)
    await here.start()
    await there.start()
    try:
        async with here.tap() as tap:
            await there.publish(agent_channel(7), {"kind": "state_changed", "user_id": 7})
            await here.publish("campaign:3", {"kind": "call_abandoned"})
            heard = [await asyncio.wait_for(tap.get(), 5) for _ in range(2)]
        assert sorted(channel for channel, _event in heard) == ["agent:7", "campaign:3"]
        assert not here._taps  # the tap is gone once left
    finally:
        await here.close()
        await there.close()
