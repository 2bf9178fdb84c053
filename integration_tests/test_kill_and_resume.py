"""A sync killed at seeded random points and resumed from its last STATE messages loses nothing and repeats
only what its checkpoints did not cover. Add streams (e.g. analytics) to STREAMS to cover them too."""

from __future__ import annotations

import random
from pathlib import Path

from integration_tests.resume import Attempt, KillPoint, configured_catalog, judge, read_with_kills
from integration_tests.test_end_to_end import ENTITY_STREAMS
from pinterest_emulator import Emulator

STREAMS = ENTITY_STREAMS


def _kill_plan(seed: int) -> list[KillPoint]:
    # Early, middle and late cuts: after a few checkpoints, after a fraction of a second of output, after many.
    rng = random.Random(seed)
    return [
        KillPoint(states=rng.randint(1, 4)),
        KillPoint(seconds=rng.uniform(0.1, 0.5)),
        KillPoint(states=rng.randint(6, 14)),
    ]


def test_killed_and_resumed_sync_equals_the_truth(tmp_path: Path, seed: int = 2026) -> None:
    # Latency stretches the small world's sync over a couple of seconds so the cuts land mid-stream.
    with Emulator(scenario="small", latency_ms=12) as emulator:
        config = emulator.connector_config(num_workers=4)
        catalog = configured_catalog(config, STREAMS)

        attempts = read_with_kills(tmp_path, config, catalog, _kill_plan(seed))

        *killed, last = attempts
        assert all(a.killed for a in killed), "a sync ended before its kill point; the cut proves nothing"
        assert last.returncode == 0 and not last.errors, last.errors
        truth = {name: emulator.truth.entities(name) for name in STREAMS}
        verdicts = judge(attempts, catalog, truth)
        for name, verdict in verdicts.items():
            assert not verdict["missing"] and not verdict["extra"], (name, verdict)
            assert not verdict["duplicated_within_an_attempt"], (name, verdict)
            assert not verdict["unexpected_duplicates"], (name, verdict)
        print(seed, [len(a.states) for a in attempts], {n: v["re_read"] for n, v in verdicts.items() if v["re_read"]})


def _state(stream: str, stream_state: dict) -> dict:
    return {"type": "STREAM", "stream": {"stream_descriptor": {"name": stream}, "stream_state": stream_state}}


def test_the_judge_tells_expected_repeats_from_covered_ones() -> None:
    # The verdicts above can fail: a record the resumed attempt's checkpoint covers must not come again.
    catalog = {
        "streams": [
            {"stream": {"name": "ads"}, "sync_mode": "incremental", "cursor_field": ["updated_time"]},
            {"stream": {"name": "boards"}, "sync_mode": "full_refresh", "cursor_field": []},
        ]
    }
    ads = [
        {"id": "a1", "ad_account_id": "1", "updated_time": 10},
        {"id": "a2", "ad_account_id": "1", "updated_time": 300_000},  # within the 3-day lookback of the checkpoint
        {"id": "b1", "ad_account_id": "2", "updated_time": 10},  # an account without an entry starts from the start
    ]
    checkpoint = _state(
        "ads",
        {
            "states": [{"partition": {"ad_account_id": "1"}, "cursor": {"updated_time": "400000"}}],
            "state": {"updated_time": "400000"},
        },
    )
    first = Attempt(state_in=[], records={"ads": ads, "boards": [{"id": "b1"}]})
    again = Attempt(state_in=[checkpoint], records={"ads": ads, "boards": [{"id": "b1"}]})
    truth = {"ads": ads + [{"id": "a3"}], "boards": [{"id": "b1"}]}

    verdicts = judge([first, again], catalog, truth)

    assert verdicts["ads"]["unexpected_duplicates"] == ["a1"]  # 10 < 400000 - 3 days: covered
    assert verdicts["ads"]["missing"] == ["a3"]
    assert verdicts["boards"]["unexpected_duplicates"] == []  # full refresh has no checkpoint to honour
