"""Every way a TensorFlow user saves a Keras model, measured exactly: SavedModels (Keras 3
`model.export()`, tf-keras `model.save(dir)`), `tf.train.Checkpoint` prefixes, tf-keras
`save_weights` (TF format and `.h5`), TF1 `Saver`, Keras 3 `.weights.h5`, `.keras` and tf-keras full `.h5`,
all written by TensorFlow 2.21 (tf_writer.py) and compared with the counts TensorFlow itself
makes on the variables it loads back from each file. Dense and Conv2D layers, float32, float16
and bfloat16 weights, -0.0 and NaN. And a weight that cannot be read is never shown as a number."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from analysis.formats.errors import ModelFormatError
from analysis.models import load_layer_index
from analysis.sparsity.report import compute_sparsity_report

from tests.sparsity.tf_models import FORMATS, tf_written

pytest.importorskip("h5py")

CASES = [(fl, fmt) for fl, fmts in FORMATS.items() for fmt in fmts]
DENSE = ("hidden", "half", "bf", "fc")

CONFIG = """\
version: 1.0
model:
  name: k
  framework: keras
pruning:
  approach:
    weight_compression_v2:
      pruning_type: magnitude
      target_sparsity: 0.5
      pattern: 4x1
      pruning_op_types: [Conv, Dense]
      pruners: []
"""


@pytest.fixture(scope="session")
def written(tmp_path_factory):
    return lambda flavour: tf_written(flavour, tmp_path_factory)


@pytest.fixture
def config(tmp_path):
    p = tmp_path / "k.yaml"
    p.write_text(CONFIG)
    return p


def inc_keras_blocks(w: np.ndarray, bn: int, bm: int) -> tuple[int, int]:
    """(blocks, all-zero blocks) as INC's KerasPatternNxM reduces a weight (nxm.py): 4-D
    transposed (0, 2, 3, 1) and flattened to [shape[0], -1], 2-D as stored; float semantics."""
    x = np.transpose(w, (0, 2, 3, 1)).reshape(w.shape[0], -1) if w.ndim == 4 else w
    r, c = x.shape
    nz = (x != 0).reshape(r // bn, bn, c // bm, bm).any(axis=(1, 3))
    return nz.size, int(nz.size - nz.sum())


@pytest.mark.parametrize("flavour,fmt", CASES)
def test_counts_equal_tensorflows_own(written, config, flavour, fmt):
    folder, truth = written(flavour)
    t = truth["formats"][fmt]
    rep = compute_sparsity_report(t["path"], config_path=config)
    assert rep["framework"] == "keras"
    rows = {r["name"]: r for r in rep["layers"]}
    assert set(rows) == set(t["layers"]) == {"conv", *DENSE}
    for name, want in t["layers"].items():
        row = rows[name]
        assert row["read"] is True and row["error"] is None
        assert (row["zeros"], row["nan"], row["size"]) == (want["zeros"], want["nan"], want["size"]), name
        assert row["shape"] == want["shape"] and row["dtype"] == want["dtype"], name
        assert row["class_name"] == ("Conv2D" if name == "conv" else "Dense")
    # -0.0 counted as zero, NaN not: the writer put one of each in `hidden`
    assert rows["hidden"]["zeros"] == 128 * 8 + 1 + 4 and rows["hidden"]["nan"] == 1
    assert rows["bf"]["dtype"] == "bfloat16" and rows["half"]["dtype"] == "float16"
    tot = rep["totals"]
    assert (tot["zeros"], tot["parameters"]) == (t["all"]["zeros"], t["all"]["size"])
    assert tot["complete"] is True and tot["unread_tensors"] == 0 and rep["unread_selected"] == []
    # INC's Keras selection (fc is the classifier head) and denominators (Dense kernels; first weights)
    selected = rep["pruners"][0]["layers"]
    if fmt == "saver":  # a Saver checkpoint records names only, in sorted order: the head is a guess, said so
        assert any("does not record layer order" in n["message"] for n in rep["notes"])
        assert len(selected) == 4 and set(selected) < {"conv", *DENSE}
    else:
        assert selected == ["conv", "hidden", "half", "bf"]
    inc = rep["figures"]["inc"]
    assert inc["matmul_gemm_conv_weights"] == sum(t["layers"][n]["size"] for n in DENSE)
    assert inc["all_parameters"] == sum(x["size"] for x in t["layers"].values())
    # blocks as INC's Keras pattern takes them, on the arrays TensorFlow loaded from this file
    arrays = np.load(folder / f"{fmt}.npz")
    for name in [n for n in ("hidden", "half", "bf") if n in selected]:
        blocks, zero = inc_keras_blocks(arrays[name], 4, 1)
        assert rows[name]["blocks"] == blocks and rows[name]["zero_blocks"] == zero, name
        assert rows[name]["block_sparsity"] == zero * 4 / rows[name]["size"], name
    assert rows["half"]["block_sparsity"] == 0.5  # inputs 0..7 of 16 zero: 2 of 4 row groups
    assert "[3, 96] cannot be divided by 4x1" in rows["conv"]["invalid_reason"]  # INC's Keras view of HWIO
    e = sum(t["layers"][n]["zeros"] for n in selected if n != "conv")  # INC skips its invalid layers
    assert inc["element_zeros"] == e
    assert rep["inc"]["elementwise_over_matmul_gemm_conv"] == e / inc["matmul_gemm_conv_weights"]


@pytest.mark.parametrize("flavour", ["keras3", "keras2"])
def test_cli_layers_and_sparsity_on_savedmodel_and_checkpoint(written, config, flavour):
    _, truth = written(flavour)
    for fmt in ("savedmodel", "checkpoint") + (("weights_prefix",) if flavour == "keras2" else ()):
        path = truth["formats"][fmt]["path"]
        # a checkpoint by its prefix, its .index, or its folder (whose `checkpoint` file names it)
        args = (path,) if fmt == "savedmodel" else (path, path + ".index")
        if fmt == "weights_prefix":
            args += (os.path.dirname(path),)  # save_weights leaves a `checkpoint` state file
        for arg in args:
            lay = subprocess.run([sys.executable, "-m", "prune_lsp", "layers", arg, "--format", "json"],
                                 capture_output=True, text=True, timeout=120)
            assert lay.returncode == 0, lay.stderr
            got = {ly["name"]: ly for ly in json.loads(lay.stdout)["layers"]}
            assert {n: got[n]["shape"] for n in truth["formats"][fmt]["layers"]} == \
                {n: v["shape"] for n, v in truth["formats"][fmt]["layers"].items()}
        sp = subprocess.run([sys.executable, "-m", "prune_lsp", "sparsity", path, "--config", str(config)],
                            capture_output=True, text=True, timeout=120)
        assert sp.returncode == 0, sp.stderr
        hidden = next(line for line in sp.stdout.splitlines() if line.startswith("hidden "))
        assert hidden.split()[2:4] == ["1029", "2048"]
        assert f"totals: {truth['formats'][fmt]['all']['zeros']} of {truth['formats'][fmt]['all']['size']}" in sp.stdout


def _copy(src: str, dst) -> str:
    """A copy of a checkpoint prefix (index + shards) or a SavedModel folder; returns its path."""
    if os.path.isdir(src):
        shutil.copytree(src, dst)
        return str(dst)
    folder, base = os.path.split(src)
    os.makedirs(dst, exist_ok=True)
    for f in os.listdir(folder):
        if f.startswith(base + "."):
            shutil.copy(os.path.join(folder, f), dst / f)
    return str(dst / base)


def _retype(prefix: str, variable: str, dtype_code: int) -> None:
    """Rewrite the DataType of `variable`'s bundle entry ("hidden/kernel"; one varint byte, so
    the index keeps its layout), as a file with an element type this reader cannot count."""
    from analysis.formats import protobuf_wire as pw
    from analysis.formats.tf_objects import read_tf_model

    e = next(v.entry for ly in read_tf_model(prefix).layers for v in ly.variables if v.name == variable)
    index = prefix + ".index"
    data = bytearray(open(index, "rb").read())
    # the entry's value: dtype (field 1) = 1, shape, shard, offset (field 4), size (field 5), crc32c (6)
    for pos in range(len(data) - 2):
        if data[pos] == 0x08 and data[pos + 1] == 1:
            try:
                m = pw.message(bytes(data[pos:pos + 64]).split(b"\x35")[0])  # up to the crc32c field
            except ValueError:
                continue
            if pw.first(m, 4, 0) == e.offset and pw.first(m, 5, 0) == e.size:
                data[pos + 1] = dtype_code
                open(index, "wb").write(bytes(data))
                return
    raise AssertionError("entry not found")


def test_a_weight_that_cannot_be_read_is_unread_never_zero(written, config, tmp_path):
    _, truth = written("keras3")
    path = _copy(truth["formats"]["checkpoint"]["path"], tmp_path / "ck")
    _retype(path, "hidden/kernel", 18)  # complex128
    rep = compute_sparsity_report(path, config_path=config)
    rows = {r["name"]: r for r in rep["layers"]}
    assert rows["hidden"]["read"] is False and rows["hidden"]["zeros"] is None
    assert rows["hidden"]["element_sparsity"] is None and "complex128" in rows["hidden"]["error"]
    assert rows["hidden"]["size"] == 128 * 16  # from the shape: a size, not a count
    assert all(rows[n]["read"] for n in ("conv", "half", "bf", "fc"))
    assert rep["totals"]["unread_tensors"] == 1 and rep["totals"]["unread_parameters"] == 128 * 16
    assert rep["totals"]["complete"] is False and rep["totals"]["element_sparsity"] is None
    assert rep["totals"]["zeros"] == truth["formats"]["checkpoint"]["all"]["zeros"] - 1029
    assert rep["unread_selected"] == ["hidden"]
    assert rep["inc"]["elementwise_over_matmul_gemm_conv"] is None  # needs hidden's zeros
    assert "inc.elementwise_over_matmul_gemm_conv" in rep["figures_unread"]
    # the command line: the row says unread, the totals say what was not counted, exit 2
    sp = subprocess.run([sys.executable, "-m", "prune_lsp", "sparsity", path, "--config", str(config)],
                        capture_output=True, text=True, timeout=120)
    assert sp.returncode == 2, sp.stderr
    hidden = next(line for line in sp.stdout.splitlines() if line.startswith("hidden "))
    assert hidden.split()[2] == "unread" and "unread" in hidden.split()[4:] and "1029" not in hidden
    assert "NOT COUNTED: 2048 parameters in 1 tensor(s)" in sp.stdout
    assert "selected weight(s) could not be read (hidden" in sp.stderr
    js = subprocess.run([sys.executable, "-m", "prune_lsp", "sparsity", path, "--config", str(config),
                         "--format", "json"], capture_output=True, text=True, timeout=120)
    assert js.returncode == 2
    assert {r["name"]: r["zeros"] for r in json.loads(js.stdout)["layers"]}["hidden"] is None


def test_truncated_data_file_is_an_error_not_a_figure(written, tmp_path):
    _, truth = written("keras3")
    path = _copy(truth["formats"]["checkpoint"]["path"], tmp_path / "ck")
    shard = next(p for p in (tmp_path / "ck").iterdir() if ".data-" in p.name)
    with open(shard, "r+b") as f:
        f.truncate(2000)  # inside the weights; the object graph, written last, goes too
    sp = subprocess.run([sys.executable, "-m", "prune_lsp", "sparsity", path], capture_output=True, text=True,
                        timeout=120)
    assert sp.returncode == 2 and sp.stdout == "" and "truncated" in sp.stderr and "Traceback" not in sp.stderr


def test_missing_shard_and_damaged_index(written, config, tmp_path):
    _, truth = written("keras2")
    path = _copy(truth["formats"]["weights_prefix"]["path"], tmp_path / "a")
    for p in (tmp_path / "a").iterdir():
        if ".data-" in p.name:
            p.unlink()
    sp = subprocess.run([sys.executable, "-m", "prune_lsp", "sparsity", path], capture_output=True, text=True,
                        timeout=120)
    assert sp.returncode == 2 and sp.stdout == "" and "data file is missing" in sp.stderr
    # an index whose table block says "snappy": refused in one line, never guessed at
    path = _copy(truth["formats"]["weights_prefix"]["path"], tmp_path / "b")
    index = path + ".index"
    data = bytearray(open(index, "rb").read())
    from analysis.formats import protobuf_wire as pw

    off, pos = pw.varint(data, len(data) - 48)  # metaindex handle, then the index block's
    _, pos = pw.varint(data, pos)
    ioff, pos = pw.varint(data, pos)
    isize, _ = pw.varint(data, pos)
    data[ioff + isize] = 1
    open(index, "wb").write(bytes(data))
    with pytest.raises(Exception, match="snappy"):
        load_layer_index(path)
    open(index, "wb").write(b"\0" * 100)
    sp = subprocess.run([sys.executable, "-m", "prune_lsp", "sparsity", path], capture_output=True, text=True,
                        timeout=120)
    assert sp.returncode == 2 and "bad table magic" in sp.stderr and "Traceback" not in sp.stderr


def test_savedmodel_read_only_by_tensorflow_is_all_unread(written, config, monkeypatch):
    """Where the bundle cannot be read directly, TensorFlow in the limited worker lists the
    variables; their values are then not counted, and the report says so (never zeros). Also
    times both paths: the direct read is the fast one."""
    _, truth = written("keras3")
    path = truth["formats"]["savedmodel"]["path"]
    t0 = time.perf_counter()
    direct = load_layer_index(path)
    t_direct = time.perf_counter() - t0
    from analysis.models import tf_files

    def refuse(p):
        raise ModelFormatError(p, "refused for the test")
    monkeypatch.setattr(tf_files, "read_tf_model", refuse)
    t0 = time.perf_counter()
    via_tf = load_layer_index(path, timeout_s=120)
    t_tf = time.perf_counter() - t0
    assert via_tf.source == "savedmodel-tf"
    assert {ly.name: ly.shape for ly in via_tf.weighted()} == {ly.name: ly.shape for ly in direct.weighted()}
    assert t_direct < t_tf
    print(f"SavedModel layer index: direct {t_direct * 1000:.1f} ms, TensorFlow worker {t_tf * 1000:.0f} ms")
    from analysis.sparsity import report as report_mod

    monkeypatch.setattr(report_mod, "_load_index", lambda p: via_tf)
    rep = compute_sparsity_report(path, config_path=config)
    assert all(r["read"] is False and r["zeros"] is None for r in rep["layers"])
    assert rep["unread_selected"] == ["conv", "hidden", "half", "bf"]
    assert rep["inc"]["elementwise_over_all"] is None and rep["totals"]["complete"] is False


@pytest.mark.parametrize("flavour", ["keras3", "keras2"])
def test_a_nested_model_is_one_layer_and_no_dense(written, config, flavour):
    """INC's Keras pruning walks model.layers: a nested Sequential is one layer, whose class
    (Sequential) is neither Dense nor Conv, so it is not selected and not in the Dense denominator."""
    _, truth = written(flavour)
    t = truth["formats"]["nested_checkpoint"]
    rep = compute_sparsity_report(t["path"], config_path=config)
    rows = {r["name"]: r for r in rep["layers"]}
    assert set(t["layers"]) == {"block", "head"}
    block = next(r for r in rep["layers"] if r["name"] != "head")  # tf-keras records no name: "layer-1"
    assert (block["zeros"], block["size"]) == (t["layers"]["block"]["zeros"], t["layers"]["block"]["size"]) == (24, 48)
    assert block["class_name"] not in ("Dense", "Conv2D") and block["pruner"] is None
    assert rows["head"]["class_name"] == "Dense"
    assert rep["figures"]["inc"]["matmul_gemm_conv_weights"] == t["layers"]["head"]["size"]
    assert rep["totals"]["zeros"] == t["all"]["zeros"] and rep["totals"]["parameters"] == t["all"]["size"]


@pytest.mark.parametrize("flavour", ["keras3", "keras2"])
def test_equal_variables_are_distinct_tensors(written, flavour):
    """Layers tracked in a plain list: all-zero biases (equal bytes) and, in tf-keras, equal
    variable names; every tensor is counted once, none hides another."""
    _, truth = written(flavour)
    t = truth["formats"]["loose"]
    rep = compute_sparsity_report(t["path"])
    tot = rep["totals"]
    assert (tot["tensors_counted"], tot["parameters"], tot["zeros"]) == (t["all"]["tensors"], t["all"]["size"],
                                                                       t["all"]["zeros"]) == (6, 60, 28)
    assert len(rep["layers"]) == 3


@pytest.mark.oracle
@pytest.mark.parametrize("flavour,fmt", [("keras3", "savedmodel"), ("keras2", "checkpoint")])
def test_keras_blocks_equal_inc_26s_own_keras_pattern(written, tmp_path, flavour, fmt):
    """INC 2.6's KerasPatternNxM itself (in its own venv, on the arrays TensorFlow loaded back
    from the file, masks = weight != 0) gives the same blocks, zero blocks and invalid layers."""
    from tests.sparsity.conftest import HERE, inc_python

    py = inc_python()
    if py is None:
        pytest.skip("INC 2.6 oracle venv absent (/root/.cache/prune-lsp-inc26; scripts/inc_oracle_venv.sh)")
    folder, truth = written(flavour)
    patterns = ["4x1", "1x4", "2x2", "1x1"]
    proc = subprocess.run([str(py), str(HERE / "inc_keras_pattern.py"), str(folder / f"{fmt}.npz"), *patterns],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    inc = json.loads(proc.stdout.strip().splitlines()[-1])
    for pattern in patterns:
        cfg = tmp_path / f"{pattern}.yaml"
        cfg.write_text(CONFIG.replace("pattern: 4x1", f"pattern: {pattern}"))
        rep = compute_sparsity_report(truth["formats"][fmt]["path"], config_path=cfg)
        rows = {r["name"]: r for r in rep["layers"]}
        selected = rep["pruners"][0]["layers"]
        assert set(rep["pruners"][0]["invalid_layers"]) == set(inc[pattern]["invalid"]) & set(selected), pattern
        for name in selected:
            if name in inc[pattern]["invalid"]:
                continue
            want = inc[pattern]["layers"][name]
            assert (rows[name]["blocks"], rows[name]["zero_blocks"]) == (want["total_cnt"], want["zero_cnt"]), \
                (pattern, name)
