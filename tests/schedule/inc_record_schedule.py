"""Run by the INC 2.6 venv's python: train a small torch model under each config with INC's own
pruning code and record, per pruner, the target ratio its scheduler returns at each step where it
updates masks, and the real zero ratio of the pruned weights after every step (what a checkpoint
would show).

    python inc_record_schedule.py REQUEST.json RESULT.json

REQUEST.json: {"cases": [{"id": str, "dialect": "A"|"B"|"C"|"D", "path": str}]}
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
from inc_toy_models import WIDTH, Toy  # noqa: E402

torch.manual_seed(0)


def _err(exc):
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


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
    model = Toy()
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
        recs.append({"calls": calls, "weights": [], "modules": sorted(p.modules)})
    pruning.on_train_begin()
    g = torch.Generator().manual_seed(1)
    for step in range(steps):
        loss = model(torch.randn(8, WIDTH, generator=g)).pow(2).mean()  # pre-hook: on_step_begin
        loss.backward()
        opt.step()  # INC's rewritten step: on_before/after_optimizer_step
        opt.zero_grad()
        for p, rec in zip(pruning.pruners, recs):
            rec["weights"].append([step + 1, _zero_ratio([m.weight.data for m in p.modules.values()])])
    pruning.on_train_end()
    del conf_steps
    return {"ok": True, "error": "", "steps": steps, "pruners": recs}


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


def main(argv):
    req = json.load(open(argv[1]))
    out = {}
    for case in req["cases"]:
        torch.manual_seed(0)
        runner = {"A": run_v2, "B": run_v2, "C": run_c, "D": run_d}[case["dialect"]]
        try:
            out[case["id"]] = runner(case)
        except Exception as exc:
            out[case["id"]] = {"ok": False, "error": _err(exc), "steps": 0, "pruners": [],
                               "trace": traceback.format_exc()[-2000:]}
    json.dump(out, open(argv[2], "w"), indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
