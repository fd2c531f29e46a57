"""LiveQuery subscriptions to ``_Installation`` need the master key (``lq serve``).

``lq serve`` publishes every class, so a subscription to ``_Installation``
would list devices and their push tokens the way REST ``find`` may not
(119 without the master key, as Parse Server answers ``find``). Parse Server
only publishes configured classes, so there is no reference to compare with.
"""

from __future__ import annotations

from support.lq_harness import Harness

from livequery_cli.parse.errors import ErrorCode


async def test_live_query_subscriptions_to_installations_need_the_master_key(
    harness: Harness,
) -> None:
    await harness.rest("POST", "installations", {"installationId": "i-1", "deviceType": "ios"})
    live = await harness.live()
    refused = await live.subscribe(1, "_Installation", {})
    assert (refused["op"], refused["code"]) == ("error", ErrorCode.OPERATION_FORBIDDEN)
    master = await harness.live(masterKey=harness.rest.master_key)
    assert (await master.subscribe(1, "_Installation", {}))["op"] == "subscribed"
