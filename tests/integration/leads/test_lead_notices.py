"""Hand-offs and assignments notify, after they commit, through the signed webhook."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from dialer.leads.handoff import WarmLead, assign_lead, hand_off
from dialer.leads.notices import send_queued_notices
from dialer.leads.notify import Notifier

from .conftest import Brokerage, make_account, make_user
from .test_notify import NOW, Receiver, no_sleep, serve, settings


async def test_a_hand_off_and_an_assignment_are_sent_once_signed_after_commit(
    brokerage: Brokerage,
) -> None:
    b = brokerage
    boss = await make_user(b.pool, "boss-a", "branch_manager", branch_id=b.branch_a)
    (owner,) = await b.account_managers(b.branch_a, "am-a", 1)
    (other,) = await b.account_managers(b.branch_a, "am-b", 1)
    owned = await make_account(b.pool, "Owned", b.branch_a, owner)
    orphan = await make_account(b.pool, "Orphan", b.branch_a)
    receiver = Receiver([503])  # the CRM stumbles once: retried with backoff
    server = await serve(receiver)
    delays: list[float] = []
    try:
        async with aiohttp.ClientSession() as session:
            notifier = Notifier(
                session=session,
                webhook=settings(str(server.make_url("/hook"))),
                sleep=lambda d: no_sleep(delays, d),
            )
            # A hand-off inside a transaction not yet committed: nothing to send yet.
            async with b.pool.acquire() as connection:
                transaction = connection.transaction()
                await transaction.start()
                warm = WarmLead(account_id=owned, campaign_id=b.campaign, rep_user_id=b.rep)
                first = await hand_off(connection, warm, NOW)
                assert await send_queued_notices(b.pool, NOW, notifier) == []
                await transaction.commit()
            second = await hand_off(
                b.pool, WarmLead(account_id=orphan, campaign_id=b.campaign, rep_user_id=b.rep), NOW
            )
            await assign_lead(
                b.pool, second.lead_id, other, branch_id=b.branch_a, actor_user_id=boss, now=NOW
            )
            sent = await asyncio.gather(
                *(send_queued_notices(b.pool, NOW, notifier) for _ in range(3))
            )
            assert await send_queued_notices(b.pool, NOW, notifier) == []
    finally:
        await server.close()

    notices = sorted((n for batch in sent for n in batch), key=lambda n: int(n.key or 0))
    assert [(n.event, n.lead_id, n.recipients) for n in notices] == [
        ("lead_handed_off", first.lead_id, (owner,)),
        ("lead_assigned", first.lead_id, (owner,)),
        ("lead_handed_off", second.lead_id, (boss,)),  # the branch queue: its manager
        ("lead_assigned", second.lead_id, (other,)),
    ]
    delivered = receiver.calls
    assert all(call["valid"] for call in delivered)
    assert delays == [1.0]
    by_delivery = {call["delivery"]: call["payload"] for call in delivered}
    assert len(by_delivery) == 4  # one delivery id per notice, the same on its retry
    assigned = by_delivery[f"lead_assigned-{second.lead_id}-{notices[3].key}"]
    assert assigned["detail"] == {
        "assigned_to": other,
        "previous": None,
        "how": "manual",
        "by": boss,
    }
    handed = by_delivery[f"lead_handed_off-{first.lead_id}-{notices[0].key}"]
    assert handed["branch_id"] == b.branch_a
    assert handed["detail"]["route"] == "owner" and handed["detail"]["sla_due_at"]


async def test_a_hand_off_rolled_back_notifies_nobody(brokerage: Brokerage) -> None:
    b = brokerage
    account = await make_account(b.pool, "Undone", b.branch_a)
    with pytest.raises(RuntimeError):
        async with b.pool.acquire() as connection, connection.transaction():
            warm = WarmLead(account_id=account, campaign_id=b.campaign, rep_user_id=b.rep)
            await hand_off(connection, warm, NOW)
            raise RuntimeError("the disposition failed after the hand-off")
    assert await send_queued_notices(b.pool, NOW) == []
