"""Build the pruners INC 2.6 builds from a config and from its migration, and describe both (executed by
the INC venv's python; tests/migrate/test_migrate_inc.py drives it).

    <inc-venv>/bin/python inc_pruners.py REQUEST.json RESULT.json

REQUEST.json: {"cases": [{"id", "dialect": "B"|"C"|"D", "text", "migrated", "spe"}]}: `text` in its own
dialect, `migrated` the weight_compression_v2 YAML `prune-lsp migrate` wrote for it.
Optional "json": the `--to json` migration, run as WeightPruningConfig(**json.load(...)); optional
"python": the `--to python` migration, executed (it is generated code), its `config` built.
RESULT.json: {id: {"source": SIDE, "migrated": SIDE, "json": SIDE, "classes": {module: class name}}},
SIDE = {"ok", "error", "pruners": [{"type", "pattern", "target", "scope", "start", "end", "frequency",
"layers", ("head": the names INC 2.x appended to excluded_op_names itself)}]}, in v2 terms (D epochs are
multiplied by `spe`, its steps per epoch, as migrate was told).

Both sides run on the same torch model: the corpus model of tests/oracle/corpus_model.py, plus (for D)
a module for every parameter name a 1.x pruner lists (inc_runner._d_model, reused read-only).
  B: INC's own file entry point process_config(path), then BasicPruning builds every pruner.
  C: the experimental pytorch_pruner: Pruning(path), .model, on_train_begin() builds them.
  D: PruningConf(path) (the 1.x schema and hooks), each pruner as experimental/pruning.py builds it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import traceback

logging.disable(logging.CRITICAL)
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracle"))

import torch  # noqa: E402

import corpus_model  # noqa: E402
import neural_compressor.conf.config  # noqa: E402,F401  (!PrunerV2 and null -> {} on SafeLoader)
from neural_compressor.compression.pruner.pruning import BasicPruning  # noqa: E402
from neural_compressor.compression.pruner.utils import process_config  # noqa: E402

torch.set_num_threads(1)
from neural_compressor.config import WeightPruningConfig as _WPC  # noqa: E402

_PRISTINE = __import__("copy").deepcopy(_WPC.__init__.__defaults__)


def _err(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]


def _pat(p) -> str:
    return str(p).split("_")[-1]


def _write(d: str, name: str, text: str) -> str:
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def side_b(source, model) -> list[dict]:
    """`source`: a v2 YAML path, or a WeightPruningConfig (the python/json migrations)."""
    conf = process_config(source)
    before = [list(c["excluded_op_names"]) if isinstance(c["excluded_op_names"], list) else [] for c in conf]
    bp = BasicPruning(conf, model)
    out = []
    for p, excl in zip(bp.pruners, before):
        c = p.config
        after = c["excluded_op_names"] if isinstance(c["excluded_op_names"], list) else []
        out.append({"type": c["pruning_type"], "pattern": _pat(c["pattern"]), "target": float(c["target_sparsity"]),
                    "scope": c["pruning_scope"], "start": int(c["start_step"]), "end": int(c["end_step"]),
                    "frequency": int(c["pruning_frequency"]), "layers": sorted(p.modules),
                    # what INC appended itself: the classifier head it found
                    "head": sorted(set(after) - set(excl))})
    return out


def side_json(text: str, model) -> list[dict]:
    """The JSON key set as a user's script feeds it: WeightPruningConfig(**json.load(f))."""
    from neural_compressor.config import WeightPruningConfig

    cfg = json.loads(text)
    # Fresh lists for the two defaults INC mutates in place (spec 3.1 P2: the head name appended to the
    # default excluded_op_names leaks into every later WeightPruningConfig of the process).
    cfg["pruning_configs"] = cfg.get("pruning_configs", [{}])
    cfg["excluded_op_names"] = cfg.get("excluded_op_names", [])
    return side_b(WeightPruningConfig(**cfg), model)


def side_python(text: str, model) -> list[dict]:
    """The `--to python` migration (our own generated code, not a user's): run it, build from `config`,
    as in a fresh process: WeightPruningConfig's mutable defaults get back their pristine values (INC
    appends each head it finds to the default excluded_op_names list, spec 3.1 P2)."""
    import copy

    from neural_compressor.config import WeightPruningConfig

    WeightPruningConfig.__init__.__defaults__ = copy.deepcopy(_PRISTINE)
    scope: dict = {}
    exec(compile(text, "migrated.py", "exec"), scope)
    return side_b(scope["config"], model)


def _classes(model) -> dict:
    return {n: type(m).__name__ for n, m in model.named_modules()}


def side_c(path: str, model) -> list[dict]:
    from neural_compressor.experimental.pytorch_pruner.pruning import Pruning

    pruning = Pruning(path)
    pruning.model = model
    pruning.on_train_begin()
    out = []
    for p in pruning.pruners:
        c = p.config
        out.append({"type": c["prune_type"], "pattern": _pat(c["pattern"]), "target": float(c["target_sparsity"]),
                    "scope": c["prune_domain"], "start": int(c["start_step"]), "end": int(c["end_step"]),
                    "frequency": int(c["update_frequency_on_step"]), "layers": sorted(p.modules)})
    return out


D_TYPES = {"basic_magnitude": "BasicMagnitude", "pattern_lock": "PatternLock",
           "gradient_sensitivity": "GradientSensitivity", "group_lasso": "GroupLasso"}
D_AS_V2 = {"basic_magnitude": "magnitude", "pattern_lock": "pattern_lock", "group_lasso": "magnitude"}


def d_conf(path: str):
    from neural_compressor.conf.config import PruningConf

    return PruningConf(path).usr_cfg.pruning.approach.weight_compression


def side_d(path: str, model, spe: int) -> list[dict]:
    from neural_compressor.experimental.pruner_legacy import PRUNERS as LEGACY
    from neural_compressor.model.torch_model import PyTorchModel

    wc = d_conf(path)
    inc_model = PyTorchModel(model)
    params = dict(model.named_parameters())
    out = []
    for local in wc.pruners:
        p = LEGACY[D_TYPES[local.prune_type]](inc_model, local, wc)
        one_shot = local.prune_type == "pattern_lock"
        layers = sorted({w[:-len(".weight")] for w in p.weights
                         if w.endswith(".weight") and w in params and params[w].dim() in (2, 4)})
        out.append({"type": D_AS_V2.get(local.prune_type, local.prune_type),
                    "pattern": _pat(getattr(local, "pattern", None) or "tile_pattern_1x1"),
                    "target": float(p.target_sparsity), "scope": "local",
                    "start": int(p.start_epoch) * spe,
                    "end": int(p.start_epoch if one_shot else p.end_epoch) * spe,
                    "frequency": max(1, int(round(float(p.freq) * spe))), "layers": layers})
    return out


def _model_for(case: dict, d: str):
    if case["dialect"] != "D":
        return corpus_model.build
    from inc_runner import _d_model  # the oracle's own: a module for each parameter a 1.x config names

    wc = d_conf(_write(d, "probe.yaml", case["text"]))
    return lambda: _d_model(wc)


def run(case: dict) -> dict:
    res = {}
    with tempfile.TemporaryDirectory() as d:
        try:
            build = _model_for(case, d)
        except Exception as exc:
            return {"source": {"ok": False, "error": _err(exc)}, "migrated": {"ok": False, "error": "not run"}}
        sides = [("source", case["text"], case["dialect"])]
        if case.get("migrated"):  # none: a migration refused, INC's verdict on the source alone
            sides.append(("migrated", case["migrated"], "B"))
        if case.get("json"):
            sides.append(("json", case["json"], "json"))
        if case.get("python"):
            sides.append(("python", case["python"], "python"))
        for side, text, dialect in sides:
            try:
                path = _write(d, f"{side}.yaml", text)
                # every side as in a fresh process: INC keeps state in WeightPruningConfig's mutable
                # defaults (the heads it found, spec 3.1 P2), which process_config(yaml) uses too
                _WPC.__init__.__defaults__ = __import__("copy").deepcopy(_PRISTINE)
                torch.manual_seed(0)
                model = build()
                if dialect == "json":
                    pruners = side_json(text, model)
                elif dialect == "python":
                    pruners = side_python(text, model)
                elif dialect == "B":
                    pruners = side_b(path, model)
                elif dialect == "C":
                    pruners = side_c(path, model)
                else:
                    pruners = side_d(path, model, int(case.get("spe") or 1))
                res[side] = {"ok": True, "error": "", "pruners": pruners}
                if side == "source":
                    res["classes"] = _classes(model)
            except Exception as exc:
                res[side] = {"ok": False, "error": _err(exc), "trace": traceback.format_exc()[-800:]}
    return res


def main(argv: list[str]) -> int:
    req = json.load(open(argv[1]))
    out = {c["id"]: run(c) for c in req["cases"]}
    with open(argv[2], "w") as f:
        json.dump(out, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
