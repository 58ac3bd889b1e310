"""Run by the INC 2.6 venv's python: train a small torch model under each config with INC's own
pruning code and record, per pruner, the target ratio its scheduler returns at each step where it
updates masks, and the real zero ratio of the pruned weights after every step (what a checkpoint
would show).

    python inc_record_schedule.py REQUEST.json RESULT.json

REQUEST.json: {"cases": [{"id": str, "dialect": "A"|"B"|"C"|"D"|"K", "path": str}]}  (K: a Keras model)
RESULT.json:  {id: {"ok": bool, "error": "Type: message" | "", "steps": int,
                    "pruners": [{"calls": [[step, count, total, ratio], ...],
                                 "weights": [[steps_done, zero_ratio], ...]}]}}

Dialects A and B go through prepare_pruning (A: WeightPruningConfig(**yaml.safe_load(file)); B:
the YAML path, INC's own loader), then a loop where INC's forward pre-hook and rewritten
optimizer step drive the pruners. C: the experimental pytorch_pruner's Pruning(path) and its
callbacks. D: INC 1.x's PruningConf and legacy pruners, epochs of 2 steps, callbacks where
experimental/pruning.py calls them. The scheduler is observed by wrapping each pruner's
`scheduler.update_sparsity_ratio` (D: `compute_mask`), so the values are INC's own.
"""

import json
import logging
import os
import sys
import traceback

import yaml

logging.disable(logging.CRITICAL)

import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # run as a script: its folder holds the models
from inc_toy_models import MODELS, WIDTH, Toy, prezero_blocks  # noqa: E402

torch.manual_seed(0)


def _err(exc):
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def options(path) -> dict:
    """How to run a config, from a `# oracle: key=value ...` line at its top: model=toy|mha|layers,
    prezero=R (fc1..fc3 start with that share of zero 4x1 blocks), calibration=N (prepare_pruning's
    calibration path with N batches: sparse_gpt, retrain_free)."""
    out = {}
    for line in open(path).read().splitlines()[:5]:
        if line.startswith("# oracle:"):
            for item in line[len("# oracle:"):].split():
                k, _, v = item.partition("=")
                out[k] = v
    return out


def _stand_ins():
    """INC's calibration-time pruners import two packages the oracle venv lacks and that take no
    part in pruning: tqdm (a progress bar, pruning.py) and transformers (sparse_gpt.py, only for
    `isinstance(module, transformers.Conv1D)`, never true of these models' nn.Linear layers)."""
    import types

    class Bar:
        def __init__(self, it=None, *a, **kw):
            self.it = it

        def __iter__(self):
            return iter(self.it)

        def update(self, n=1):
            pass

        def close(self):
            pass
    for name in ("tqdm", "tqdm.auto"):
        if name not in sys.modules:
            m = types.ModuleType(name)
            m.tqdm = Bar
            sys.modules[name] = m
    sys.modules["tqdm"].auto = sys.modules["tqdm.auto"]
    if "transformers" not in sys.modules:
        m = types.ModuleType("transformers")
        m.Conv1D = type("Conv1D", (torch.nn.Module,), {})
        sys.modules["transformers"] = m


def _weights_of(pruner):
    """The weight tensors a pruner masks (an mha pruner keeps its Linear layers apart)."""
    mods = getattr(pruner, "modules", None) or getattr(pruner, "linear_layers", {})
    return sorted(mods), [m.weight.data for _, m in sorted(mods.items())]


def _zero_ratio(tensors):
    z = sum(int((t == 0).sum()) for t in tensors)
    n = sum(t.numel() for t in tensors)
    return z / n if n else 0.0


def _watch_scheduler(pruner, calls):
    sched = pruner.scheduler
    orig = sched.update_sparsity_ratio

    def wrapped(target, k, total, *a, **kw):
        r = orig(target, k, total, *a, **kw)
        calls.append([int(pruner.global_step), int(k), int(total), float(r)])
        return r
    sched.update_sparsity_ratio = wrapped


def run_v2(case):
    from neural_compressor.compression.pruner import prepare_pruning
    from neural_compressor.config import WeightPruningConfig

    if case["dialect"] == "B":
        source = case["path"]
        conf_steps = yaml.safe_load(open(case["path"]))["pruning"]["approach"]["weight_compression_v2"]
    else:
        cfg = yaml.safe_load(open(case["path"]))
        source = WeightPruningConfig(**cfg)
        conf_steps = cfg
    opts = options(case["path"])
    model = MODELS[opts.get("model", "toy")]()
    prezero = float(opts["prezero"]) if "prezero" in opts else None
    if prezero is not None:
        prezero = prezero_blocks(model, ["fc1", "fc2", "fc3"], prezero)
    if "calibration" in opts:
        return run_calibration(case, source, model, int(opts["calibration"]))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    orig_save = torch.save
    try:
        pruning = prepare_pruning(model, source, optimizer=opt)
    finally:
        torch.save = orig_save
    ends = [p.end_step for p in pruning.pruners] or [0]
    steps = max(ends) + 3
    recs = []
    for p in pruning.pruners:
        calls = []
        if hasattr(p, "scheduler"):
            _watch_scheduler(p, calls)
        recs.append({"calls": calls, "weights": [], "modules": _weights_of(p)[0]})
    pruning.on_train_begin()
    g = torch.Generator().manual_seed(1)
    for step in range(steps):
        loss = model(model.batch(g)).pow(2).mean()  # pre-hook: on_step_begin
        loss.backward()
        opt.step()  # INC's rewritten step: on_before/after_optimizer_step
        opt.zero_grad()
        for p, rec in zip(pruning.pruners, recs):
            rec["weights"].append([step + 1, _zero_ratio(_weights_of(p)[1])])
    pruning.on_train_end()
    for p, rec in zip(pruning.pruners, recs):
        rec["init"] = float(getattr(p, "init_sparsity_ratio", 0.0))  # lock_init_sparsity: what INC found
        rec["prezero"] = prezero
    del conf_steps
    return {"ok": True, "error": "", "steps": steps, "pruners": recs}


def run_calibration(case, source, model, batches):
    """sparse_gpt / retrain_free: what prepare_pruning(model, config, dataloader=..., loss_func=...)
    builds (PRUNINGS["sparse_gpt_pruning"] / ["retrain_free_pruning"]), run on `batches` batches. The
    pruning object is made without the dataloader first (its constructor would prune at once) so
    that the schedulers can be watched, then given it and run: the same _prepare_pruners call."""
    from neural_compressor.compression.pruner.pruning import PRUNINGS
    from neural_compressor.compression.pruner.utils import process_config

    _stand_ins()
    conf = process_config(source)
    g = torch.Generator().manual_seed(1)
    if all("gpt" in c["pruning_type"] for c in conf):
        pruning = PRUNINGS["sparse_gpt_pruning"](conf, model, None)
        data = [(model.batch(g, 16), torch.zeros(16, dtype=torch.long)) for _ in range(batches)]
    else:
        pruning = PRUNINGS["retrain_free_pruning"](conf, model, None, None)
        samples = [(model.batch(g, 1)[0], i % 2) for i in range(8 * batches)]
        data = torch.utils.data.DataLoader(samples, batch_size=8)
        pruning._loss_func = torch.nn.CrossEntropyLoss()
    recs = []
    for p in pruning.pruners:
        calls = []
        if hasattr(p, "scheduler"):
            _watch_scheduler(p, calls)
        recs.append({"calls": calls, "weights": [], "modules": _weights_of(p)[0]})
    pruning._dataloader = data
    pruning._prepare_pruners()
    for p, rec in zip(pruning.pruners, recs):
        rec["weights"].append([batches, _zero_ratio(_weights_of(p)[1])])
    return {"ok": True, "error": "", "steps": batches, "pruners": recs, "calibration": batches}


def run_c(case):
    from neural_compressor.experimental.pytorch_pruner.pruning import Pruning

    model = Toy()
    pruning = Pruning(case["path"])
    pruning.model = model
    pruning.on_train_begin()
    recs = []
    for p in pruning.pruners:
        calls = []
        _watch_scheduler(p, calls)
        recs.append({"calls": calls, "weights": [], "modules": sorted(p.modules)})
    steps = max(p.end_step for p in pruning.pruners) + 3
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    g = torch.Generator().manual_seed(1)
    out = {"ok": True, "error": "", "steps": 0, "pruners": recs}
    pruning.on_epoch_begin(0)
    try:
        for step in range(steps):
            pruning.on_step_begin(step)
            loss = model(torch.randn(8, WIDTH, generator=g)).pow(2).mean()
            loss.backward()
            pruning.on_before_optimizer_step()
            opt.step()
            pruning.on_after_optimizer_step()
            pruning.on_step_end()
            opt.zero_grad()
            out["steps"] = step + 1
            for p, rec in zip(pruning.pruners, recs):
                rec["weights"].append([step + 1, _zero_ratio([m.weight.data for m in p.modules.values()])])
    except Exception as exc:
        out["ok"], out["error"] = False, _err(exc)
    return out


def run_d(case):
    from neural_compressor.conf.config import PruningConf
    from neural_compressor.experimental.pruner_legacy import PRUNERS as LEGACY
    from neural_compressor.model.torch_model import PyTorchModel

    conf = PruningConf(case["path"])
    wc = conf.usr_cfg.pruning.approach.weight_compression
    model = Toy()
    inc_model = PyTorchModel(model)
    kinds = {"basic_magnitude": "BasicMagnitude", "pattern_lock": "PatternLock", "group_lasso": "GroupLasso"}
    pruners = [LEGACY[kinds[p.prune_type]](inc_model, p, wc) for p in wc.pruners]
    recs = []
    for p in pruners:
        calls = []
        orig = p.compute_mask

        def wrapped(p=p, calls=calls, orig=orig):
            calls.append([int(p.current_epoch), None, None, float(p.sparsity)])
            return orig()
        p.compute_mask = wrapped
        recs.append({"calls": calls, "weights": [], "modules": list(p.weights)})
    epochs = max(int(p.end_epoch) for p in pruners) + 2
    params = list(inc_model.model.parameters())
    opt = torch.optim.SGD(params, lr=0.01)
    g = torch.Generator().manual_seed(1)
    for p in pruners:
        p.on_train_begin()
    for epoch in range(epochs):
        for p in pruners:
            p.current_epoch = epoch
            p.on_epoch_begin(epoch)
        for step in range(2):
            for p in pruners:
                p.on_step_begin(step)
            loss = inc_model.model(torch.randn(8, WIDTH, generator=g)).pow(2).mean()
            loss.backward()
            for p in pruners:
                p.on_before_optimizer_step()
            opt.step()
            for p in pruners:
                p.on_step_end()
            opt.zero_grad()
        for p in pruners:
            p.on_epoch_end()
        sd = inc_model.model.state_dict()
        for p, rec in zip(pruners, recs):
            rec["weights"].append([epoch + 1, _zero_ratio([sd[n] for n in p.weights])])
    return {"ok": True, "error": "", "steps": epochs, "pruners": recs}


def run_keras(case):
    """INC 2.6's Keras pruner (dialect A config, a Keras Functional model; needs TensorFlow: run by
    the oracle venv's copy with tensorflow-cpu, tests/schedule/inc_tf_venv.sh). INC reaches it through
    prepare_compression with the model wrapped in its KerasModel; its WeightPruningConfig has no
    `framework` attribute that Model() reads, so it is set to None (Model fills in "keras"). The
    callbacks are called where INC's own training loop calls them (training.py)."""
    import os as _os

    _os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import tensorflow as tf
    from neural_compressor.config import WeightPruningConfig
    from neural_compressor.model.keras_model import KerasModel
    from neural_compressor.training import prepare_compression

    tf.random.set_seed(0)
    inp = tf.keras.Input((WIDTH,))
    h = tf.keras.layers.Dense(WIDTH, activation="relu", name="fc1")(inp)
    h = tf.keras.layers.Dense(WIDTH, activation="relu", name="fc2")(h)
    h = tf.keras.layers.Dense(WIDTH, activation="relu", name="fc3")(h)
    model = tf.keras.Model(inp, tf.keras.layers.Dense(2, name="head")(h))
    conf = WeightPruningConfig(**yaml.safe_load(open(case["path"])))
    conf.framework = None
    manager = prepare_compression(KerasModel(model), conf)
    cb = manager.callbacks
    pruners = [p for c in cb.callbacks_list for p in c.pruners]
    recs = []
    for p in pruners:
        calls = []
        _watch_scheduler(p, calls)
        recs.append({"calls": calls, "weights": [], "modules": sorted(p.modules)})
    km = manager.model.model
    opt = tf.keras.optimizers.SGD(0.01)
    rng = np.random.default_rng(1)
    steps = max(p.end_step for p in pruners) + 3
    cb.on_train_begin()
    for step in range(steps):
        cb.on_step_begin(step)
        x = tf.constant(rng.standard_normal((8, WIDTH)).astype("float32"))
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(km(x) ** 2)
        grads = tape.gradient(loss, km.trainable_variables)
        cb.on_before_optimizer_step()
        opt.apply_gradients(zip(grads, km.trainable_variables))
        cb.on_after_optimizer_step()
        cb.on_step_end()
        for p, rec in zip(pruners, recs):
            ws = [m.get_weights()[0] for _, m in sorted(p.modules.items())]
            z, n = sum(int((w == 0).sum()) for w in ws), sum(w.size for w in ws)
            rec["weights"].append([step + 1, z / n if n else 0.0])
    return {"ok": True, "error": "", "steps": steps, "pruners": recs}


def _run(runner, case):
    try:
        return runner(case)
    except Exception as exc:
        return {"ok": False, "error": _err(exc), "steps": 0, "pruners": [], "trace": traceback.format_exc()[-2000:]}


def _isolated(runner, case):
    """One case in a forked child: INC keeps state between runs in one process (a config processed
    for an `mha` pruner made the next case's pruning search attention heads), so each case starts
    from the same untouched INC."""
    if not hasattr(os, "fork"):
        return _run(runner, case)
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, write the JSON, leave without running the parent's atexit hooks
        os.close(rfd)
        code = 0
        try:
            with os.fdopen(wfd, "w") as f:
                json.dump(_run(runner, case), f)
        except BaseException:
            code = 1
        os._exit(code)
    os.close(wfd)
    with os.fdopen(rfd) as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    if not data:
        return {"ok": False, "error": f"RecorderCrash: the case's process ended with status {status}", "steps": 0,
                "pruners": []}
    return json.loads(data)


def _preload(dialects) -> None:
    """Import INC once in the parent, so that each forked case does not import it again (seconds
    each); TensorFlow (Keras cases) is left to the children."""
    if dialects - {"K"}:
        import neural_compressor.compression.pruner  # noqa: F401
        import neural_compressor.conf.config  # noqa: F401
        import neural_compressor.config  # noqa: F401
        import neural_compressor.experimental.pruner_legacy  # noqa: F401
        import neural_compressor.experimental.pytorch_pruner.pruning  # noqa: F401
        import neural_compressor.model.torch_model  # noqa: F401


def main(argv):
    req = json.load(open(argv[1]))
    _preload({c["dialect"] for c in req["cases"]})
    out = {}
    for case in req["cases"]:
        torch.manual_seed(0)
        runner = {"A": run_v2, "B": run_v2, "C": run_c, "D": run_d, "K": run_keras}[case["dialect"]]
        out[case["id"]] = _isolated(runner, case)
    json.dump(out, open(argv[2], "w"), indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
