"""docs/cli.md's ``--until`` example end to end: ``--where 'id = X' --until 'status = done'``.

``id`` is the objectId in the ``--where`` language (as in the ``--json``
envelope), so the tail follows one object and exits 0 when it is done.
Runs against Parse Server 9 and ``lq serve`` (the rig's ``server`` fixture).
"""

from __future__ import annotations

from typing import Any

from support.lq_process import LqProcess


def test_tail_one_object_by_id_until_it_is_done(server: Any, unique_tag: str) -> None:
    rest = server.rest
    job = rest.create("Job", {"tag": unique_tag, "status": "queued"}, master=True)
    other = rest.create("Job", {"tag": unique_tag, "status": "queued"}, master=True)
    env = {"LQ_SERVER_URL": server.rest_url, "LQ_APP_ID": server.app_id, "LQ_JS_KEY": server.js_key}
    proc = LqProcess(
        ["tail", "Job", "--where", f"id = {job['objectId']}", "--until", "status = done",
         "--timeout", "60s", "--json"],
        env=env,
    )  # fmt: skip
    try:
        proc.wait_stderr("subscribed to Job")
        rest.update("Job", other["objectId"], {"status": "done"}, master=True)  # not this one
        rest.update("Job", job["objectId"], {"status": "running"}, master=True)
        rest.update("Job", job["objectId"], {"status": "done"}, master=True)
        assert proc.wait() == 0
        lines = proc.read_stdout(2)
        assert [line.count(job["objectId"]) > 0 for line in lines] == [True, True]
        assert '"status":"done"' in lines[1]
    finally:
        proc.close()
