"""Watching a training run through the real server over stdio (prune-lsp.watchRun): a simulated run
(tests/watch/sim_training.py writes checkpoints with known sparsity at known steps, slowly) is
followed live; each checkpoint arrives once, in order, never half-written, as a
`prune-lsp/watchPoint` conforming to the contract and equal to the line `prune-lsp watch --format
jsonl` prints for the same folder; the schedule sent once equals `prune-lsp schedule --format
json`'s; stopWatch stops it; a client without the experimental capability gets no watch."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import jsonschema
import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from lsp_server.contract import STOP_WATCH, WATCH_CAPABILITY, WATCH_POINT, WATCH_RUN, schema_for
from tests.watch.test_watch_sim import BLOCKS, CONFIG, HERE as WATCH_TESTS

from .conftest import CONFIG as CONFIG_SERVER
from .conftest import PROFILES, wait_until
from .test_contract import _plain

# (step, format, seed, ratio written); 23 repeats 19's tensors (nothing recounted)
PLAN = [(7, "hf", 0, 0.0), (11, "pt", 1, 0.3), (15, "hf", 2, 0.55), (19, "pt", 3, 0.7), (23, "pt", 3, 0.7)]


@pytest_lsp.fixture(config=CONFIG_SERVER)
async def watch_client(lsp_client: LanguageClient):
    """Like the VS Code extension: declares the experimental capability for watch points."""
    lsp_client.points = []

    @lsp_client.feature(WATCH_POINT)
    def on_point(params):
        lsp_client.points.append(_plain(params))

    caps = PROFILES["vscode"]()
    caps.experimental = {WATCH_CAPABILITY: True}
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=caps, initialization_options={"pruneLsp": {"debounceMs": 0}}))
    yield lsp_client
    await lsp_client.shutdown_session()


def _cli(*args, timeout=180) -> str:
    out = subprocess.run([sys.executable, "-m", "prune_lsp", *args], capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def _without_timing(p: dict) -> dict:
    return {k: v for k, v in p.items() if k not in ("seconds", "watchId")}


async def test_a_simulated_run_followed_through_the_server_equals_the_cli(watch_client, tmp_path):
    client = watch_client
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    plan = {"checkpoints": [{"step": s, "ratio": r, "format": f, "seed": seed} for s, f, seed, r in PLAN],
            "pause": 0.3, "chunk_pause": 0.25}
    (tmp_path / "plan.json").write_text(json.dumps(plan))

    started = _plain(await asyncio.wait_for(client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=WATCH_RUN, arguments=[{"runDir": str(run_dir), "uri": CONFIG.as_uri(), "device": "cpu",
                                       "poll": 0.05}])), 120))
    jsonschema.validate(started, schema_for("WatchStarted"))
    sched = json.loads(_cli("schedule", str(CONFIG), "--format", "json"))
    assert started["schedule"] == sched["pruners"] and sched["pruners"][0]["targets"]
    assert started["runDir"] == str(run_dir) and started["config"] == str(CONFIG)

    # The run starts after the watch: every checkpoint is seen while (or just after) it is written.
    sim = subprocess.Popen([sys.executable, str(WATCH_TESTS / "sim_training.py"), str(run_dir),
                            str(tmp_path / "plan.json")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    loop = asyncio.get_running_loop()
    _, err = await loop.run_in_executor(None, lambda: sim.communicate(timeout=300))
    assert sim.returncode == 0, err[-2000:]
    await wait_until(lambda: len(client.points) >= len(PLAN), 60, "a watch point per checkpoint")
    await asyncio.sleep(0.5)  # nothing more comes (no checkpoint twice)
    points = client.points
    assert [p["step"] for p in points] == [s for s, *_ in PLAN]
    for p, (_, _, _, ratio) in zip(points, PLAN):
        jsonschema.validate(p, schema_for("WatchPointMessage"))
        assert p["watchId"] == started["watchId"] and p["error"] is None
        assert p["pruners"][0]["measured"] == pytest.approx(int(ratio * BLOCKS) / BLOCKS, abs=1e-12)
    assert points[-1]["tensors"] == {"counted": 0, "reused": 8}

    # The CLI on the same (now complete) folder prints the very same objects.
    lines = [json.loads(ln) for ln in _cli("watch", str(run_dir), "--config", str(CONFIG), "--format", "jsonl",
                                           "--poll", "0.05", "--exit-when-idle", "1", "--chart", "-").splitlines()]
    for line in lines:
        jsonschema.validate(line, schema_for("WatchPoint"))
    assert [_without_timing(p) for p in points] == [_without_timing(line) for line in lines]

    # Stopped: a new checkpoint is not reported.
    stopped = _plain(await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=STOP_WATCH, arguments=[{"watchId": started["watchId"]}])))
    assert stopped == {"stopped": True}
    n = len(client.points)
    plan2 = {"checkpoints": [{"step": 27, "ratio": 0.7, "format": "pt", "seed": 9}], "pause": 0, "chunk_pause": 0}
    (tmp_path / "plan2.json").write_text(json.dumps(plan2))
    subprocess.run([sys.executable, str(WATCH_TESTS / "sim_training.py"), str(run_dir), str(tmp_path / "plan2.json")],
                   check=True, capture_output=True, timeout=300)
    await asyncio.sleep(1.0)
    assert len(client.points) == n
    again = _plain(await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=STOP_WATCH, arguments=[{"watchId": started["watchId"]}])))
    assert again == {"stopped": False}


async def test_a_missing_folder_is_an_error(watch_client, tmp_path):
    with pytest.raises(JsonRpcException, match="no such folder"):
        await watch_client.workspace_execute_command_async(types.ExecuteCommandParams(
            command=WATCH_RUN, arguments=[{"runDir": str(tmp_path / "nope")}]))


@pytest_lsp.fixture(config=CONFIG_SERVER)
async def plain_client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=PROFILES["neovim"](), initialization_options={"pruneLsp": {"debounceMs": 0}}))
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_no_watch_for_a_client_that_did_not_ask(plain_client, tmp_path):
    with pytest.raises(JsonRpcException, match=WATCH_CAPABILITY):
        await plain_client.workspace_execute_command_async(types.ExecuteCommandParams(
            command=WATCH_RUN, arguments=[{"runDir": str(tmp_path)}]))


# INC 1.x (dialect D): d_train_loop.yaml's pruning.train.iteration is 3 steps an epoch, and its
# pruners' names are sim_training.py's fc1/fc2 (pruner 1) and fc3/head (pruner 2) weights.
CONFIG_1X = CONFIG.parent / "d_train_loop.yaml"
PLAN_1X = [(3, 0.2), (7, 0.5), (12, 0.8)]  # step_N.pt: epochs 1, 2.33, 4 by pruning.train.iteration


async def test_an_inc_1x_run_sends_epoch_points_that_conform_and_equal_the_cli(watch_client, tmp_path):
    """The 1.x keys (epoch, epoch_source, notes, inc_1x) reach the client as the contract declares
    them, equal to `prune-lsp watch --format jsonl`'s lines; without a way to place a checkpoint in
    epochs (no iteration, no stepsPerEpoch) the point says 'epoch unknown', and stepsPerEpoch places it."""
    client = watch_client
    run_dir = tmp_path / "run"
    plan = {"checkpoints": [{"step": s, "ratio": r, "format": "pt", "seed": i} for i, (s, r) in enumerate(PLAN_1X)],
            "pause": 0, "chunk_pause": 0}
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    subprocess.run([sys.executable, str(WATCH_TESTS / "sim_training.py"), str(run_dir), str(tmp_path / "plan.json")],
                   check=True, capture_output=True, timeout=300)
    no_iteration = tmp_path / "no_iteration.yaml"
    no_iteration.write_text(CONFIG_1X.read_text().replace("    iteration: 3\n", ""))

    async def follow(config, **extra) -> tuple[dict, list]:
        started = _plain(await asyncio.wait_for(client.workspace_execute_command_async(types.ExecuteCommandParams(
            command=WATCH_RUN, arguments=[{"runDir": str(run_dir), "uri": config.as_uri(), "device": "cpu",
                                           "poll": 0.05, **extra}])), 120))
        jsonschema.validate(started, schema_for("WatchStarted"))
        mine = lambda: [p for p in client.points if p["watchId"] == started["watchId"]]  # noqa: E731
        await wait_until(lambda: len(mine()) >= len(PLAN_1X), 60, "a watch point per checkpoint")
        await client.workspace_execute_command_async(types.ExecuteCommandParams(
            command=STOP_WATCH, arguments=[{"watchId": started["watchId"]}]))
        for p in mine():
            jsonschema.validate(p, schema_for("WatchPointMessage"))
        return started, mine()

    started, points = await follow(CONFIG_1X)
    assert [s["unit"] for s in started["schedule"]] == ["epoch", "epoch"]
    assert [p["step"] for p in points] == [s for s, _ in PLAN_1X]
    assert [p["epoch"] for p in points] == pytest.approx([s / 3 for s, _ in PLAN_1X], abs=1e-12)
    for p, (_, ratio) in zip(points, PLAN_1X):
        assert p["epoch_source"] == "pruning.train.iteration" and p["inc"] is None and p["error"] is None
        assert p["pruners"][0]["measured"] == pytest.approx(int(ratio * BLOCKS) / BLOCKS, abs=1e-12)
        assert p["pruners"][0]["scheduled"] is not None and 0 < p["inc_1x"]["total_sparsity"] < 1
    lines = [json.loads(ln) for ln in _cli("watch", str(run_dir), "--config", str(CONFIG_1X), "--format", "jsonl",
                                           "--poll", "0.05", "--exit-when-idle", "1", "--chart", "-").splitlines()]
    for line in lines:
        jsonschema.validate(line, schema_for("WatchPoint"))
    assert [_without_timing(p) for p in points] == [_without_timing(line) for line in lines]

    _, blind = await follow(no_iteration)
    assert all(p["epoch"] is None and p["epoch_source"] is None for p in blind)
    assert all(any("epoch unknown" in n for n in p["notes"]) for p in blind)
    assert all(q["scheduled"] is None for p in blind for q in p["pruners"])
    _, told = await follow(no_iteration, stepsPerEpoch=3)
    assert [p["epoch"] for p in told] == [p["epoch"] for p in points]
    assert {p["epoch_source"] for p in told} == {"--steps-per-epoch"}
