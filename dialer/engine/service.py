"""The telephony side of the running service: provider, webhooks and running campaigns.

The provider is the one `DIALER_TELEPHONY_PROVIDER` names (`dialer/telephony/
providers.py`): Twilio by default, and without Twilio credentials a carrier simulator
speaking Twilio's REST API, started in-process on a loopback port, with the same Twilio
adapter talking to it, so the webhooks, signatures and state machine are exercised
exactly as in production. The running `CampaignEngine`s of this process answer the
webhooks' questions (who takes this answered call?); a webhook for a campaign that runs
in another process is answered by an engine built on demand from the same database
state.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
import structlog
from aiohttp import web

from compliance.rules import DEFAULT_GATE_RULES, GateRules
from dialer.clock import Clock
from dialer.db import UNREACHABLE
from dialer.engine import hopper
from dialer.engine.errors import EngineError
from dialer.engine.loop import CampaignEngine
from dialer.engine.pg_store import PostgresEngineStore
from dialer.engine.settings import load_campaign
from dialer.events import EventBus
from dialer.keys import CLOCK, EVENTS, GATE_RULES, POOL, PROCESS_ROLE, SETTINGS, TELEPHONY
from dialer.recordings.recorder import Recorder
from dialer.runtime.leases import CarrierBudget, Lease, LeaseStore
from dialer.runtime.worker import WORKERS_CHANNEL, Worker
from dialer.settings import Settings
from dialer.telephony.callstate import Transition
from dialer.telephony.decisions import (
    AnswerDecision,
    AnsweredCall,
    HangUpMachine,
    MachineAction,
    PlayAndHangUp,
)
from dialer.telephony.group_commit import GroupCommitLedger
from dialer.telephony.pg_ledger import PostgresCallLedger
from dialer.telephony.provider import AmdVerdict, CallEvent, CallEventKind
from dialer.telephony.providers import build_provider
from dialer.telephony.spool import CallbackSpool, SpooledCallback
from dialer.telephony.webhooks import TelephonyWebhooks

log = structlog.get_logger(__name__)

SPOOL_REPLAY_SECONDS = 1.0


def abandon_message(settings: Settings) -> str:
    return (
        f"This is {settings.firm_name}. We are sorry we could not connect your call. "
        f"Please call us back on {settings.firm_callback_number}."
    )


@dataclass(frozen=True)
class RunningEngine:
    """One campaign engine whose loop runs in this process: the one place an engine's
    loop is started and stopped."""

    engine: CampaignEngine
    stopping: asyncio.Event
    task: asyncio.Task[None]

    @classmethod
    def start(cls, engine: CampaignEngine) -> RunningEngine:
        stopping = asyncio.Event()
        return cls(engine, stopping, asyncio.create_task(engine.run(stopping)))

    def failure(self) -> BaseException | None:
        """The error the loop ended by, if it ended by one (not by a stop)."""
        if not self.task.done() or self.task.cancelled():
            return None
        return self.task.exception()

    async def stop(self) -> None:
        """Ask the loop to stop and wait for it (and the creates still going out); a loop
        that already ended by an error was logged when the worker found it."""
        self.stopping.set()
        if self.failure() is not None:
            return
        await self.task


class TelephonyService:
    def __init__(
        self,
        settings: Settings,
        pool: asyncpg.Pool,
        events: EventBus,
        clock: Clock,
        *,
        rules: GateRules = DEFAULT_GATE_RULES,
    ) -> None:
        self.settings = settings
        # the compliance rule book and firm policy every engine of this process dials by
        self.rules = rules
        self.pool = pool
        self.store = PostgresEngineStore(pool)
        self.events = events
        self.clock = clock
        self.carrier = build_provider(settings, clock)
        self.provider = self.carrier.provider
        self.simulator = self.carrier.simulator
        # the attempts' provider column names the carrier: callbacks match on it; the
        # callbacks arriving together are committed together (group_commit.py)
        self.ledger = GroupCommitLedger(
            PostgresCallLedger(pool, self.provider.name),
            gather_seconds=settings.callback_gather_ms / 1000,
        )
        # signed callbacks that find the database away wait here (dialer/telephony/spool.py)
        self.spool = CallbackSpool(
            settings.spool_dir or settings.data_dir / "spool", max_bytes=settings.spool_max_bytes
        )
        self.recorder = Recorder(
            pool, self.provider, retention_days=settings.recording_retention_days, clock=clock
        )
        self.webhooks = TelephonyWebhooks(
            self.provider,
            settings.public_base_url,
            self.ledger,
            self,
            wall_clock=clock,
            spool=self.spool,
            unreachable_answer=PlayAndHangUp(abandon_message(settings)),
            on_bridged=self.recorder.on_bridged,
        )
        self.engines: dict[int, CampaignEngine] = {}
        # the engines whose loops run in this process, each under its campaign's lease
        self._running: dict[int, RunningEngine] = {}
        self.leases = LeaseStore(pool)
        # the carrier account's limits, shared by the engines of every worker
        self.carrier_budget = CarrierBudget(
            pool,
            self.provider.name,
            self.provider.limits.calls_per_second,
            self.provider.limits.max_concurrent_calls or 1_000_000,
        )
        # whether this process serves the webhooks (set from its role by telephony_context)
        self.answers_webhooks = True
        # this process's worker, when it runs the engine side (set by `worker_context`)
        self.worker: Worker | None = None
        self._replaying: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await asyncio.to_thread(self.spool.open)
        await self.carrier.start()
        self._replaying = asyncio.create_task(self._replay_spool(), name="callback-spool")

    async def close(self) -> None:
        if self._replaying is not None:
            self._replaying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._replaying
        self.spool.close()
        # a shutdown stops the engines, never the campaigns: their leases pass on
        for campaign_id in list(self._running):
            await self.stop_engine(campaign_id)
        try:
            await self.webhooks.drain()
            await self.ledger.close()
        finally:
            await self.carrier.close()

    async def _replay_spool(self) -> None:
        """Apply spooled callbacks once the database answers again, in arrival order."""
        while True:
            await asyncio.sleep(SPOOL_REPLAY_SECONDS)
            if not self.spool.pending():
                continue
            try:
                await self.spool.replay(self._apply_spooled)
            except UNREACHABLE as exc:
                log.info("callback_spool_waiting", error=repr(exc))

    async def _apply_spooled(self, record: SpooledCallback) -> None:
        try:
            await self.webhooks.replay(record)
        except UNREACHABLE:
            raise  # still away: the record waits for the next round
        except Exception as exc:
            # one record that cannot apply must not hold back the rest; the live sweep
            # looks its call up at the carrier
            log.error("callback_spool_record_skipped", hook=record.hook, error=repr(exc))

    # -- campaigns ----------------------------------------------------------------------

    async def engine_for(self, campaign_id: int) -> CampaignEngine:
        engine = self.engines.get(campaign_id)
        if engine is None:
            settings = await load_campaign(
                self.pool,
                campaign_id,
                {
                    "caller_id": self.settings.twilio_caller_ids[0]
                    if self.settings.twilio_caller_ids
                    else None,
                    "abandon_message": abandon_message(self.settings),
                },
            )
            engine = CampaignEngine(
                self.pool,
                self.provider,
                self.events,
                self.clock,
                settings,
                store=self.store,
                rules=self.rules,
                ledger=self.ledger,
                live_call_ceiling=timedelta(seconds=self.settings.engine_live_call_ceiling_seconds),
                silent_call=timedelta(seconds=self.settings.engine_silent_call_seconds),
                sweep_grace=timedelta(seconds=self.settings.engine_sweep_grace_seconds),
            )
            self.engines[campaign_id] = engine
        return engine

    async def start_campaign(self, campaign_id: int, now: datetime) -> int:
        """Queue the campaign's numbers and ask for its engine to run; returns the numbers
        queued. The campaign's desired state changes in the database and a worker takes
        its lease: this process's own worker at once when it has one (`dialer serve`),
        else whichever worker wakes first (`serve --no-engine`)."""
        if campaign_id in self._running:
            return 0
        await self.engine_for(campaign_id)  # a campaign that cannot run fails here, unchanged
        async with self.pool.acquire() as connection:
            queued = await hopper.load_numbers(connection, campaign_id, now)
        await self.leases.start_dialing(campaign_id, now)
        if self.worker is not None:
            await self.worker.take_now(campaign_id)
        await self.events.publish(WORKERS_CHANNEL, {"kind": "started", "campaign_id": campaign_id})
        log.info("campaign_started", campaign_id=campaign_id, queued=queued)
        return queued

    async def stop_campaign(self, campaign_id: int) -> None:
        """Pause: no engine is wanted any more; the holder stops launching (here at once
        when this process holds it), calls in progress finish."""
        await self.leases.stop_dialing(campaign_id)
        if self.worker is not None:
            await self.worker.let_go(campaign_id)
        await self.stop_engine(campaign_id)
        await self.events.publish(WORKERS_CHANNEL, {"kind": "paused", "campaign_id": campaign_id})

    async def run_leased(self, lease: Lease) -> None:
        """A worker took the campaign's lease: run its engine here, under the lease's epoch
        (the numbers were queued when the campaign was started)."""
        await self.stop_engine(lease.campaign_id)
        self.engines.pop(lease.campaign_id, None)
        engine = await self.engine_for(lease.campaign_id)
        engine.lease_epoch = lease.epoch
        engine.carrier_budget = self.carrier_budget
        # without the web side here, the callbacks are applied elsewhere: learn from rows
        engine.learn_from_database = not self.answers_webhooks
        self._running[lease.campaign_id] = RunningEngine.start(engine)
        log.info(
            "campaign_engine_started",
            campaign_id=lease.campaign_id,
            epoch=lease.epoch,
            engine=engine.engine_id,
        )

    async def stop_engine(self, campaign_id: int) -> None:
        """Stop this process's engine of the campaign (its lease is the worker's business)."""
        running = self._running.pop(campaign_id, None)
        if running is not None:
            await running.stop()

    def engine_failed(self, campaign_id: int) -> BaseException | None:
        running = self._running.get(campaign_id)
        return None if running is None else running.failure()

    def running(self) -> list[int]:
        return sorted(self._running)

    # -- reps' phone legs ---------------------------------------------------------------

    async def place_rep_leg(self, to_number: str, caller_id: str, rep_ref: str) -> str:
        """Ring a rep's own phone into their room. On the carrier simulator the number
        becomes a staff phone first: answered at once, in the room until hung up."""
        if self.simulator is not None:
            self.simulator.staff_phones.add(to_number)
        return await self.provider.place_rep_leg(to_number, caller_id, rep_ref)

    async def hang_up(self, call_id: str) -> None:
        await self.provider.hang_up(call_id)

    # -- CallDecisions: route each webhook to its campaign's engine --------------------

    async def _engine_of_call(self, call_id: str, attempt_ref: str | None) -> CampaignEngine | None:
        attempt_id = int(attempt_ref) if attempt_ref and attempt_ref.isdigit() else None
        # a call whose callback the ledger just applied: its campaign is known
        campaign_id = self.ledger.campaign_of(call_id)
        if campaign_id is None:
            campaign_id = await self.store.campaign_of_call(attempt_id, call_id)
        if campaign_id is None:
            return None
        try:
            return await self.engine_for(int(campaign_id))
        except EngineError as exc:
            log.warning("engine_unavailable", campaign_id=campaign_id, error=str(exc))
            return None

    async def on_answer(self, call: AnsweredCall) -> AnswerDecision:
        engine = await self._engine_of_call(call.call_id, call.attempt_ref)
        if engine is None:
            return PlayAndHangUp(abandon_message(self.settings))
        return await engine.on_answer(call)

    async def on_machine(self, call: AnsweredCall, verdict: AmdVerdict) -> MachineAction:
        engine = await self._engine_of_call(call.call_id, call.attempt_ref)
        if engine is None:
            return HangUpMachine()
        return await engine.on_machine(call, verdict)

    async def on_event(self, event: CallEvent, transition: Transition) -> None:
        if event.kind is not CallEventKind.AMD_VERDICT and not transition.state.is_terminal:
            # the engine acts on screening verdicts and ends only (`Settling.on_event`):
            # no round trip to find the campaign of a call that only rang or was answered
            return
        engine = await self._engine_of_call(event.call_id, event.attempt_ref)
        if engine is not None:
            await engine.on_event(event, transition)


async def telephony_context(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the telephony service lives as long as the app."""

    service = TelephonyService(
        app[SETTINGS], app[POOL], app[EVENTS], app[CLOCK], rules=app[GATE_RULES]
    )
    service.answers_webhooks = app[PROCESS_ROLE].serves_web
    await service.start()
    app[TELEPHONY] = service
    yield
    await service.close()
