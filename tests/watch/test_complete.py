"""A checkpoint is complete only when fully written: files written by safetensors and torch.save
themselves, cut at every length (as a reader sees them while they are written), are never taken
as complete; the whole file is. Steps are read from HF trainer_state.json and from names."""

from __future__ import annotations

import json

import pytest

from analysis.watch.complete import file_complete, index_complete
from analysis.watch.discover import checkpoint_step, discover

torch = pytest.importorskip("torch")


def _cuts(data: bytes):
    n = len(data)
    return sorted({1, 7, 8, 9, n // 3, n // 2, n - 22, n - 1} | set(range(0, n, max(1, n // 40))))


@pytest.mark.parametrize("fmt", ["safetensors", "pt"])
def test_every_prefix_of_a_checkpoint_is_incomplete(tmp_path, fmt):
    sd = {"a.weight": torch.randn(32, 16), "b.weight": torch.zeros(8, 8), "b.bias": torch.ones(8)}
    whole = tmp_path / f"whole.{fmt}"
    if fmt == "safetensors":
        from safetensors.torch import save_file

        save_file(sd, str(whole))
    else:
        torch.save(sd, whole)
    data = whole.read_bytes()
    assert file_complete(str(whole))
    part = tmp_path / f"part.{fmt}"
    for cut in _cuts(data):
        if cut >= len(data):
            continue
        part.write_bytes(data[:cut])
        assert not file_complete(str(part)), cut


def test_sharded_index_waits_for_every_shard(tmp_path):
    from safetensors.torch import save_file

    save_file({"a.weight": torch.randn(4, 4)}, str(tmp_path / "model-00001-of-00002.safetensors"))
    idx = tmp_path / "model.safetensors.index.json"
    idx.write_text(json.dumps({"weight_map": {"a.weight": "model-00001-of-00002.safetensors",
                                              "b.weight": "model-00002-of-00002.safetensors"}}))
    assert not index_complete(str(idx))
    save_file({"b.weight": torch.randn(4, 4)}, str(tmp_path / "model-00002-of-00002.safetensors"))
    assert index_complete(str(idx))


def test_steps_from_trainer_state_and_names(tmp_path):
    ck = tmp_path / "checkpoint-500"
    ck.mkdir()
    torch.save({"w": torch.ones(2)}, ck / "pytorch_model.bin")
    torch.save({"w": torch.ones(2)}, ck / "optimizer.pt")  # not a model
    (ck / "trainer_state.json").write_text(json.dumps({"global_step": 480}))  # the state is the truth
    torch.save({"w": torch.ones(2)}, tmp_path / "step_120.pt")
    torch.save({"w": torch.ones(2)}, tmp_path / "final.pt")
    found = [(c.step, c.kind) for c in discover(str(tmp_path))]
    assert found == [(120, "file"), (480, "hf-checkpoint"), (None, "file")]
    assert checkpoint_step(str(ck / "pytorch_model.bin")) == 480
    assert checkpoint_step(str(tmp_path / "step_120.pt")) == 120
    assert checkpoint_step(str(tmp_path / "final.pt")) is None
