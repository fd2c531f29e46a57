"""What every Python consumer sends to subscribe, so all of them ask for the same thing."""

from __future__ import annotations

import json

APP_ID = "bench"
CLASS_NAME = "GameScore"
EVENT_OPS = frozenset({"create", "update", "enter", "leave", "delete"})
CONNECT = json.dumps({"op": "connect", "applicationId": APP_ID})
SUBSCRIBE = json.dumps(
    {"op": "subscribe", "requestId": 1, "query": {"className": CLASS_NAME, "where": {}}}
)
