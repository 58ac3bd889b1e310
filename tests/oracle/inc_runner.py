"""Run pruning configs through INC 2.6's own code and record what INC says (executed by the INC venv).

    <inc-venv>/bin/python inc_runner.py REQUEST.json RESULT.json

REQUEST.json: {"cases": [{"id": str, "dialect": "A"|"B", "text": str}]}.
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
A per-config wall-clock limit turns a hang into stage "timeout".
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
from neural_compressor.config import WeightPruningConfig  # noqa: E402
from neural_compressor.compression.pruner import prepare_pruning  # noqa: E402
from neural_compressor.compression.pruner.pruning import BasicPruning  # noqa: E402
from neural_compressor.compression.pruner.utils import process_and_check_config, process_config  # noqa: E402
import neural_compressor.conf.config  # noqa: E402,F401  (registers !PrunerV2 and null -> {} on SafeLoader)

TIME_LIMIT_S = float(os.environ.get("INC_RUNNER_TIME_LIMIT", "20"))
MAX_STEPS = 40
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
    raise Timeout(f"over {TIME_LIMIT_S:g}s")


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


def main(argv: list[str]) -> int:
    with open(argv[1]) as f:
        cases = json.load(f)["cases"]
    results = {}
    signal.signal(signal.SIGALRM, _alarm)
    with tempfile.TemporaryDirectory() as workdir:
        for case in cases:
            t0 = time.perf_counter()
            signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT_S)
            try:
                res = run_case(case, workdir)
            except Timeout as exc:
                res = {"ok": False, "stage": "timeout", "error": f"Timeout: {exc}", "steps": 0}
            except Exception as exc:  # a runner bug must not lose the whole batch
                res = {"ok": False, "stage": "runner", "error": _err(exc) + " | " + traceback.format_exc()[-300:],
                       "steps": 0}
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            res["seconds"] = round(time.perf_counter() - t0, 4)
            results[case["id"]] = res
    with open(argv[2], "w") as f:
        json.dump(results, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
