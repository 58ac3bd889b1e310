"""Run pruning configs through INC 2.6's own code and record what INC says (executed by the INC venv).

    <inc-venv>/bin/python inc_runner.py REQUEST.json RESULT.json

REQUEST.json: {"cases": [{"id": str, "dialect": "A"|"B"|"C"|"D", "text": str}]}.
RESULT.json:  {id: {"ok": bool, "stage": str, "error": "Type: message", "steps": int, "seconds": float,
                    "effective": [each pruner's 20 merged keys, as process_config returns them]}}.

Dialect B (`pruning.approach.weight_compression_v2` YAML) goes through INC's own file entry point,
`process_config(path)`, whose loader has INC's `!PrunerV2` tag and its null -> {} constructor.
Dialect A (WeightPruningConfig keys in YAML) is read the way a user's script reads it: a plain
`yaml.safe_load` (no INC constructors), then `WeightPruningConfig(**cfg)`.

Stages, in INC's order; the first that raises is the verdict:
  load      YAML parsing (and, for B, the `!PrunerV2` constructor)
  config    process_and_check_config (check_config's assertions, the merge)
  construct every pruner, as BasePruning._generate_pruners builds them (parse_to_prune/mha search +
            get_pruner) on a toy model
  train     prepare_pruning(model, config, optimizer) and a short training loop driven by INC's own
            hooks, so that the errors INC raises only at a pruning step (sparsity_decay_type,
            scores, masks) are seen too
A per-config CPU-time limit (20 s, 60 s for D whose 1.x pruners read every weight through
state_dict()) turns a hang into stage "timeout".

Dialect C (`weight_compression_pytorch`) goes through the experimental pytorch_pruner as INC's
example scripts use it: load (yaml.safe_load with INC's `!Pruner` tag), config (its
process_config: the full 1.x schema, then process_and_check_config), construct
(`Pruning(path)`, `.model = model`, `on_train_begin()` builds every pruner), train (its callbacks
for max(end_step)+2 steps). Dialect D (1.x `weight_compression`): load, config (`PruningConf(path)`:
the 1.x loader, schema and hooks), construct (each pruner as experimental/pruning.py
generate_pruners builds it, on INC's PyTorchModel), train (the 1.x pruners' epoch and step
callbacks as a training loop calls them, every epoch up to max(end_epoch)+1 (at most 32) of 1 step;
a gradient_sensitivity pruner with `parameters` first as INC's own test drives it: one epoch with a
real forward and backward through a BERT stand-in that takes a head_mask). C and D run on the
corpus's model (corpus_model.py, every layer the corpus configs select; for D, a module for every
parameter the pruners name, and the BERT stand-in for head pruning).
"""

from __future__ import annotations

import copy
import json
import logging
import os
import signal
import sys
import tempfile
import time
import traceback

import yaml

# A pristine SafeLoader for dialect A, made BEFORE INC installs its constructors on yaml.SafeLoader.
class PlainLoader(yaml.SafeLoader):
    pass


PlainLoader.yaml_constructors = dict(yaml.SafeLoader.yaml_constructors)

logging.disable(logging.CRITICAL)  # INC logs every pruner's config: costly and useless here

import torch  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus_model  # noqa: E402
from neural_compressor.config import WeightPruningConfig  # noqa: E402
from neural_compressor.compression.pruner import prepare_pruning  # noqa: E402
from neural_compressor.compression.pruner.pruning import BasicPruning  # noqa: E402
from neural_compressor.compression.pruner.utils import process_and_check_config, process_config  # noqa: E402
import neural_compressor.conf.config  # noqa: E402,F401  (registers !PrunerV2 and null -> {} on SafeLoader)

TIME_LIMIT_S = float(os.environ.get("INC_RUNNER_TIME_LIMIT", "20"))
MAX_STEPS = 40
MAX_EPOCHS_D = 32  # 1.x pruners schedule by epoch: every epoch up to end_epoch + 1 (the corpus's ends: 20 at most)
WIDTH = 480  # divisible by every block size the mutations use (1..6, 8, 10, 12, 16, 32, ...)
torch.set_num_threads(1)
_TORCH_SAVE = torch.save


class ToyModel(torch.nn.Module):
    """Names match the corpus configs' op_names (layer1.*, layer2.*, layer3.*, classifier); the head
    is the last registered module, so INC's classifier-head search finds and excludes it."""

    def __init__(self):
        super().__init__()
        self.layer1 = torch.nn.Linear(WIDTH, WIDTH)
        self.layer2 = torch.nn.Linear(WIDTH, WIDTH)
        self.layer3 = torch.nn.Conv2d(WIDTH, WIDTH, 1)
        self.pooler = torch.nn.Linear(WIDTH, WIDTH)
        self.classifier = torch.nn.Linear(WIDTH, 8)

    def forward(self, x):
        x = torch.relu(self.layer1(x))
        x = torch.relu(self.layer2(x))
        x = self.layer3(x[:, :, None, None]).flatten(1)
        x = torch.relu(self.pooler(x))
        return self.classifier(x)


_BASE_STATE = None


def fresh_model() -> ToyModel:
    global _BASE_STATE
    torch.manual_seed(0)
    m = ToyModel()
    if _BASE_STATE is None:
        _BASE_STATE = copy.deepcopy(m.state_dict())
    else:
        m.load_state_dict(_BASE_STATE)
    return m


class Timeout(BaseException):
    """BaseException: INC's own `except Exception` handlers must not swallow it."""


def _alarm(_sig, _frame):
    raise Timeout(f"over {TIME_LIMIT_S:g}s of CPU time")


def _err(exc: BaseException) -> str:
    name = type(exc).__name__
    if type(exc).__module__ == "re" or name == "PatternError":
        name = "re.error"
    msg = str(exc).strip().splitlines()
    return f"{name}: {msg[0] if msg else ''}"[:400]


def _wpc(cfg):
    """WeightPruningConfig(**cfg) as a fresh process builds it: INC's mutable default arguments
    (pruning_configs=[{}], excluded_op_names=[]) are passed fresh so that no state leaks between
    configs of this batch (spec P2)."""
    kwargs = copy.deepcopy(cfg)
    fresh = {"pruning_configs": [{}], "op_names": [], "excluded_op_names": [],
             "pruning_op_types": ["Conv", "Linear"]}
    for k, v in fresh.items():
        kwargs.setdefault(k, v)
    return WeightPruningConfig(**kwargs)


def _jsonable(v):
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    return repr(v)


def _effective(conf) -> list:
    """Each pruner's merged config as process_config returns it (before any pruner mutates it)."""
    return [{k: _jsonable(c[k]) for k in DEFAULT_KEYS if k in c} for c in conf]


DEFAULT_KEYS = ("target_sparsity", "pruning_type", "pattern", "op_names", "excluded_op_names", "start_step",
                "end_step", "pruning_scope", "pruning_frequency", "min_sparsity_ratio_per_op",
                "max_sparsity_ratio_per_op", "sparsity_decay_type", "criterion_type", "pruning_op_types",
                "low_memory_usage", "resume_from_pruned_checkpoint", "reg_type", "criterion_reduce_type",
                "parameters", "reg_coeff")


def _steps(conf) -> int:
    """Enough steps to reach every pruner's first pruning step and its end (capped): INC raises some
    errors only there (the decay type at the first iterative step, scores and masks)."""
    try:
        last = max(int(c["end_step"]) for c in conf)
        first = min(int(c["start_step"]) for c in conf)
    except (TypeError, ValueError, OverflowError):
        return MAX_STEPS
    return max(1, min(max(last + 2, first + 3), MAX_STEPS))


def run_case(case: dict, workdir: str) -> dict:
    if case["dialect"] == "C":
        return run_case_c(case, workdir)
    if case["dialect"] == "D":
        return run_case_d(case, workdir)
    dialect, text = case["dialect"], case["text"]
    out = {"ok": False, "stage": "load", "error": "", "steps": 0}
    path = os.path.join(workdir, "config.yaml")
    with open(path, "w") as f:
        f.write(text)

    # load + config
    if dialect == "B":
        try:
            val = yaml.safe_load(text)
        except Exception as exc:
            out["error"] = _err(exc)
            return out
        out["stage"] = "config"
        try:
            # INC's own entry point; it wraps every error in a RuntimeError ...
            out["effective"] = _effective(process_config(path))
        except Exception as wrapped:
            try:  # ... so read the original error from the same steps, unwrapped
                process_and_check_config(val)
                out["error"] = _err(wrapped)
            except Exception as exc:
                out["error"] = _err(exc)
            return out
        source = lambda: path  # noqa: E731
    else:
        try:
            cfg = yaml.load(text, Loader=PlainLoader)
            if not isinstance(cfg, dict):
                raise TypeError(f"WeightPruningConfig() argument after ** must be a mapping, not {type(cfg).__name__}")
            _wpc(cfg)
        except Exception as exc:
            out["error"] = _err(exc)
            return out
        out["stage"] = "config"
        try:
            out["effective"] = _effective(process_config(_wpc(cfg)))
        except Exception as exc:
            out["error"] = _err(exc)
            return out
        source = lambda: _wpc(cfg)  # noqa: E731

    # construct: every pruner, gpt and retrain-free ones included, as BasePruning builds them
    out["stage"] = "construct"
    try:
        BasicPruning(process_config(source()), fresh_model())
    except Exception as exc:
        out["error"] = _err(exc)
        return out

    # train: INC's automation API; sparse_gpt / retrain_free pruners need a dataloader and prune at
    # prepare time, so (as in prepare_pruning with only an optimizer) they are not trained here.
    out["stage"] = "train"
    try:
        conf = process_config(source())
        trained = [c for c in conf if "gpt" not in c["pruning_type"] and "retrain" not in c["pruning_type"]]
        if trained:
            steps = _steps(trained)
            model = fresh_model()
            opt = torch.optim.SGD(model.parameters(), lr=0.01)
            pruning = prepare_pruning(model, source(), opt)
            pruning.on_train_begin()
            g = torch.Generator().manual_seed(1)
            for step in range(steps):
                x = torch.randn(4, WIDTH, generator=g)
                loss = model(x).pow(2).mean()  # forward pre-hook: on_step_begin
                loss.backward()
                opt.step()  # rewritten by INC: on_before/after_optimizer_step around the update
                opt.zero_grad()
                out["steps"] = step + 1
            pruning.on_train_end()
    except Exception as exc:
        out["error"] = _err(exc)
        return out
    finally:
        torch.save = _TORCH_SAVE  # prepare_pruning patches torch.save on every call

    out["ok"], out["stage"] = True, "ok"
    return out


def _write(workdir: str, text: str) -> str:
    path = os.path.join(workdir, "config.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def _c_steps(infos) -> int:
    try:
        return max(1, min(max(int(i["end_step"]) for i in infos) + 2, MAX_STEPS))
    except (TypeError, ValueError, OverflowError):
        return MAX_STEPS


def _train_corpus_model(model, steps: int, hooks) -> None:
    """A training loop that calls INC's callbacks where INC's example scripts call them."""
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    g = torch.Generator().manual_seed(1)
    hooks["on_epoch_begin"](0)
    for step in range(steps):
        hooks["on_step_begin"](step)
        loss = model(torch.randn(4, corpus_model.H, generator=g)).pow(2).mean()
        loss.backward()
        hooks["on_before_optimizer_step"]()
        opt.step()
        hooks["on_after_optimizer_step"]()
        hooks["on_step_end"]()
        opt.zero_grad()
    hooks["on_epoch_end"]()


def run_case_c(case: dict, workdir: str) -> dict:
    from neural_compressor.conf.config import schema
    from neural_compressor.experimental.pytorch_pruner import prune_utils
    from neural_compressor.experimental.pytorch_pruner.pruning import Pruning as PytorchPruning

    out = {"ok": False, "stage": "load", "error": "", "steps": 0}
    path = _write(workdir, case["text"])
    try:
        val = yaml.safe_load(case["text"])
    except Exception as exc:
        out["error"] = _err(exc)
        return out
    out["stage"] = "config"
    try:
        infos = prune_utils.process_config(path)
    except Exception as wrapped:
        try:  # process_config wraps the schema's error in a RuntimeError: read the original
            schema.validate(copy.deepcopy(val))
            prune_utils.process_and_check_config(val)
            out["error"] = _err(wrapped)
        except Exception as exc:
            out["error"] = _err(exc)
        return out
    out["stage"] = "construct"
    model = corpus_model.build()
    try:
        pruning = PytorchPruning(path)
        pruning.model = model
        pruning.on_train_begin()
    except Exception as exc:
        out["error"] = _err(exc)
        return out
    out["stage"] = "train"
    try:
        steps = _c_steps(infos)
        _train_corpus_model(model, steps, {h: getattr(pruning, h) for h in (
            "on_epoch_begin", "on_step_begin", "on_before_optimizer_step", "on_after_optimizer_step", "on_step_end",
            "on_epoch_end")})
        out["steps"] = steps
        pruning.on_train_end()
    except Exception as exc:
        out["error"] = _err(exc)
        return out
    out["ok"], out["stage"] = True, "ok"
    return out


def run_case_d(case: dict, workdir: str) -> dict:
    from neural_compressor.conf.config import PruningConf, schema
    from neural_compressor.experimental.pruner_legacy import PRUNERS as LEGACY
    from neural_compressor.model.torch_model import PyTorchModel

    out = {"ok": False, "stage": "load", "error": "", "steps": 0}
    path = _write(workdir, case["text"])
    try:
        val = yaml.safe_load(case["text"])
    except Exception as exc:
        out["error"] = _err(exc)
        return out
    out["stage"] = "config"
    try:
        conf = PruningConf(path)
    except Exception as wrapped:
        try:  # Conf._read_cfg wraps the schema's error in a RuntimeError: read the original
            schema.validate(copy.deepcopy(val))
            out["error"] = _err(wrapped)
        except Exception as exc:
            out["error"] = _err(exc)
        return out
    out["stage"] = "construct"
    pruners, inc_model = [], None
    try:  # experimental/pruning.py generate_pruners, for the weight_compression approach
        cfg = conf.usr_cfg
        for name in cfg.pruning.approach:
            assert name in ("weight_compression", "weight_compression_pytorch"), \
                "now we only support weight_compression and weight_compression_pytorch"
        wc = cfg.pruning.approach.weight_compression
        if wc is not None:
            inc_model = PyTorchModel(_d_train_model(wc))
            kinds = {"basic_magnitude": "BasicMagnitude", "pattern_lock": "PatternLock",
                     "gradient_sensitivity": "GradientSensitivity", "group_lasso": "GroupLasso"}
            for pruner in wc.pruners:
                if pruner.prune_type not in kinds:
                    assert False, "now only support {}".format(LEGACY.keys())
                pruners.append(LEGACY[kinds[pruner.prune_type]](inc_model, pruner, wc))
    except Exception as exc:
        out["error"] = _err(exc)
        return out
    # train: the 1.x pruners' callbacks as a user's training loop calls them (experimental/pruning.py's
    # hooks), every epoch up to max(end_epoch)+1. A gradient_sensitivity pruner with `parameters`
    # (structured: heads and rows by gradient importance) first runs as INC's own test drives it:
    # on_epoch_begin(0), a real forward with a `head_mask` that requires grad, backward,
    # on_step_end, on_epoch_end; it then holds restructured weights, as the user's model does.
    out["stage"] = "train"
    structured = [p for p in pruners if type(p).__name__ == "GradientSensitivityPruner" and not p.elementwise_prune]
    trained = [p for p in pruners if p not in structured]
    try:
        if structured:
            _train_structured_gs(inc_model, structured)
        epochs = max([_d_epochs(p.end_epoch) for p in trained] + [1])
        model = inc_model.model if pruners else None
        params = list(model.parameters()) if model is not None else []
        opt = torch.optim.SGD(params, lr=0.01) if params else None
        for p in trained:
            p.on_train_begin()
        for epoch in range(epochs if trained else 0):
            for p in trained:
                p.on_epoch_begin(epoch)
            for p in trained:
                p.on_step_begin(0)
            opt.zero_grad()
            loss = sum((q.float() ** 2).sum() for q in model.parameters()) * 1e-3  # every weight gets a gradient
            loss.backward()
            for p in trained:
                p.on_before_optimizer_step()
            opt.step()
            for p in trained:
                p.on_step_end()
            for p in trained:
                p.on_epoch_end()
            out["steps"] = epoch + 1
        for p in trained:
            p.on_train_end()
    except Exception as exc:
        out["error"] = _err(exc)
        return out
    out["ok"], out["stage"] = True, "ok"
    return out


def _d_epochs(end_epoch) -> int:
    """Epochs 0 .. end_epoch+1 (capped); an end_epoch that is not an int (a pruner that never reads it
    runs anyway) gets the 1.x schema's default end, 4."""
    end = end_epoch if isinstance(end_epoch, int) else 4
    return max(1, min(end + 2, MAX_EPOCHS_D))


def _train_structured_gs(inc_model, pruners) -> None:
    """INC's own driver for head/row pruning by gradient sensitivity (its test_pruning_gradient_sensitivity):
    one epoch, one forward with head_mask (layers x heads, requires grad), backward, step end, epoch end."""
    model = inc_model.model
    for p in pruners:
        p.on_epoch_begin(0)
    head_mask = torch.ones(corpus_model.BERT_LAYERS, corpus_model.BERT_HEADS, requires_grad=True)
    ids = torch.randint(0, 100, (2, 6), generator=torch.Generator().manual_seed(1))
    model.zero_grad()
    loss = model(ids, head_mask=head_mask).pow(2).mean()
    loss.backward()
    for p in pruners:
        p.on_step_end()
    for p in pruners:
        p.on_epoch_end()


def _d_train_model(wc):
    """The model the D pruners are built and trained on: _d_model's, or, when a gradient_sensitivity
    pruner has `parameters` (it prunes heads and rows by the gradient of the model's head_mask),
    the BERT stand-in with a module added for every other parameter a pruner names."""
    pruners = (wc.pruners or []) if wc is not None else []
    if not any(getattr(p, "prune_type", None) == "gradient_sensitivity" and getattr(p, "parameters", None) is not None
               for p in pruners):
        return _d_model(wc)
    model = corpus_model.bert_for_heads()
    have = {n for n, _ in model.named_parameters()}
    for name in _named_weights(wc):
        if "*" not in name and name + ".weight" not in have:
            _add_module(model, name)
    return model


def _named_weights(wc) -> list:
    wanted = []
    for pruner in (wc.pruners or []) if wc is not None else []:
        for n in pruner.names or [] if isinstance(pruner.names, list) else []:
            if isinstance(n, str) and n.endswith(".weight"):
                wanted.append(n[:-len(".weight")])
    return wanted


def _add_module(model, mod_name: str) -> None:
    parent = model
    parts = mod_name.split(".")
    for part in parts[:-1]:
        if not hasattr(parent, part):
            parent.add_module(part, torch.nn.Module())
        parent = getattr(parent, part)
    if not hasattr(parent, parts[-1]):
        parent.add_module(parts[-1], torch.nn.Conv2d(16, 32, 3) if "conv" in parts[-1]
                          else torch.nn.Linear(corpus_model.H, corpus_model.H))


def _d_model(wc):
    """A model with exactly the parameters the 1.x pruners name (`names` are the user's model's
    parameter names, such as `layer1.0.conv1.weight`): a conv for a name with `conv` in it, else a
    Linear, at the corpus model's sizes. Without any name (a pruner then prunes every weight), the
    corpus model. Small on purpose: INC's PyTorchModel reads weights through state_dict() on every
    access, so the training loop's cost grows with the number of modules."""
    wanted = _named_weights(wc)
    if not wanted:
        return corpus_model.build()
    torch.manual_seed(0)
    model = torch.nn.Module()
    for mod_name in wanted:
        _add_module(model, mod_name)
    return model


def main(argv: list[str]) -> int:
    with open(argv[1]) as f:
        cases = json.load(f)["cases"]
    results = {}
    # CPU time, not wall-clock: on a machine shared with other jobs a slow config is not a hang
    signal.signal(signal.SIGPROF, _alarm)
    with tempfile.TemporaryDirectory() as workdir:
        for case in cases:
            t0 = time.perf_counter()
            signal.setitimer(signal.ITIMER_PROF, TIME_LIMIT_S * (9 if case.get("dialect") == "D" else 1))
            try:
                res = run_case(case, workdir)
            except Timeout as exc:
                res = {"ok": False, "stage": "timeout", "error": f"Timeout: {exc}", "steps": 0}
            except Exception as exc:  # a runner bug must not lose the whole batch
                res = {"ok": False, "stage": "runner", "error": _err(exc) + " | " + traceback.format_exc()[-300:],
                       "steps": 0}
            finally:
                signal.setitimer(signal.ITIMER_PROF, 0)
            res["seconds"] = round(time.perf_counter() - t0, 4)
            results[case["id"]] = res
    with open(argv[2], "w") as f:
        json.dump(results, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
