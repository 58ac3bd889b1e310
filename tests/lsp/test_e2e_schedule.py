"""The schedule in the editor, through the real server over stdio: hover on a pruner's schedule
key shows its curve (a text sparkline and INC's update count, first and last step); after measuring
a checkpoint whose step is known (HF trainer_state.json), the sparsity lens says what INC's schedule
expects at that step. Expected values come from INC 2.6's own recording (tests/schedule)."""

from __future__ import annotations

import asyncio
import json

import jsonschema
import pytest
from lsprotocol import types

from tests.schedule.conftest import HERE as SCHED, inc_record  # noqa: F401

from lsp_server.contract import schema_for

from .conftest import open_doc
from .test_contract import _plain

CONFIG = SCHED / "configs" / "b_exp_div.yaml"
pytestmark = pytest.mark.oracle


async def test_hover_on_a_schedule_key_shows_the_curve(client, inc_record, tmp_path):  # noqa: F811
    calls = inc_record[CONFIG.name]["pruners"][0]["calls"]
    text = CONFIG.read_text()
    uri = (tmp_path / "b.yaml").as_uri()
    open_doc(client, uri, text)
    line = next(i for i, ln in enumerate(text.splitlines()) if "end_step" in ln)
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=8)))
    md = h.contents.value
    assert "INC's schedule" in md
    assert f"{len(calls)} update(s) from step {calls[0][0]} to {calls[-1][0]}, reaching {calls[-1][3]:.1%}" in md
    assert any(ch in md for ch in "▂▃▄▅▆▇")


async def test_lens_says_what_the_schedule_expects_at_the_checkpoint_step(client, inc_record, tmp_path):  # noqa: F811
    from tests.watch.sim_training import state

    from safetensors.torch import save_file

    calls = inc_record[CONFIG.name]["pruners"][0]["calls"]
    ck = tmp_path / "run" / "checkpoint-11"
    ck.mkdir(parents=True)
    save_file(state(0.45, 0), str(ck / "model.safetensors"))
    (ck / "trainer_state.json").write_text(json.dumps({"global_step": 11}))
    cfg = tmp_path / "prune.yaml"
    cfg.write_text("# prune-lsp: model=run/checkpoint-11/model.safetensors\n" + CONFIG.read_text())
    uri = cfg.as_uri()
    open_doc(client, uri, cfg.read_text())
    report = await asyncio.wait_for(client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="prune-lsp.computeSparsity", arguments=[{"uri": uri, "device": "cpu"}])), 60)
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    titles = [lens.command.title for lens in lenses]
    expected = max((c for c in calls if c[0] < 11), key=lambda c: c[0])[3]
    assert any(f"schedule expects {expected * 100:.1f}% at step 11" in t for t in titles), titles
    # the same figure in the command's result, for the VS Code sparsity view (contract: SparsityReport)
    report = _plain(report)
    jsonschema.validate(report, schema_for("SparsityReport"))
    assert report["step"] == 11
    assert report["pruners"][0]["scheduled"] == pytest.approx(expected, abs=1e-12)
    assert report["pruners"][0]["schedule_unit"] == "step"
