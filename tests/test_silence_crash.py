"""SIGKILL at random moments, many during snapshots: no acknowledged silence is ever lost."""

from __future__ import annotations

import http.client
import json
import os
import random
import threading
import time

import pytest

from tests.harness.alerts import at

pytestmark = pytest.mark.gossamer_node

KILLS = 50
CONFIG = "route: {receiver: hook}\nreceivers: [{name: hook}]\n"


def post_silences(node, stop: threading.Event, acknowledged: dict[str, dict], prefix: str) -> None:
    """Create silences until told to stop; remember the ones the API acknowledged."""
    n = 0
    while not stop.is_set():
        n += 1
        body = {
            "matchers": [{"name": "alertname", "value": f"{prefix}-{n}", "isRegex": False}],
            "startsAt": at(0), "endsAt": at(3600), "createdBy": "crash-test", "comment": f"c{n}",
        }  # fmt: skip
        try:
            reply = node.post("/api/v2/silences", json.dumps(body).encode())
        except (OSError, http.client.HTTPException):
            return  # the node died mid-request: this silence was never acknowledged
        if reply.status == 200:
            acknowledged[reply.json()["silenceID"]] = body


def test_every_acknowledged_silence_survives_random_sigkills(node_factory) -> None:
    """50 kills, with a 20ms maintenance interval so many land during a snapshot."""
    seed = int(os.environ.get("GOSSAMER_TEST_SEED", time.time_ns() % 2**32))
    print(f"random seed {seed} (set GOSSAMER_TEST_SEED to replay)")
    rng = random.Random(seed)
    node = node_factory("gossamer", CONFIG, extra_flags=["--data.maintenance-interval=20ms"])
    acknowledged: dict[str, dict] = {}
    for kill in range(KILLS):
        stop = threading.Event()
        writer = threading.Thread(target=post_silences, args=(node, stop, acknowledged, f"k{kill}"))
        writer.start()
        time.sleep(rng.uniform(0.02, 0.25))  # the random moment of the kill, not a synchronisation
        node.kill()
        stop.set()
        writer.join(10)
        node.start()  # fails with the log if the state on disk cannot be read back
        listed = {s["id"]: s for s in node.get_json("/api/v2/silences")}
        missing = set(acknowledged) - set(listed)
        assert not missing, f"kill {kill}: acknowledged silences lost: {sorted(missing)[:5]}"
        for sid, body in acknowledged.items():
            got = listed[sid]
            assert (got["comment"], got["matchers"][0]["value"]) == (
                body["comment"],
                body["matchers"][0]["value"],
            )
    print(f"{len(acknowledged)} silences acknowledged across {KILLS} kills")
    assert len(acknowledged) > KILLS, "the writer barely ran; the test proved little"
