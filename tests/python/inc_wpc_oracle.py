"""INC 2.6 as the oracle for WeightPruningConfig calls (run by the INC venv's python, not the project's).

stdin: JSON {"cases": [{"id", "args": [...], "kwargs": {...}, "config_first": bool}]} (literal arguments only;
config_first: call `prepare_pruning(config, model, optimizer)`, the order of INC's earlier releases), or
{"id", "imports": ["from neural_compressor... import ...", ...]} (a test's INC import statements, run one by one);
stdout, last line: JSON {id: {"ok": true} | {"error": "Type: message"}}.
Each case builds `WeightPruningConfig(*args, **kwargs)` and runs `prepare_pruning(model, config,
optimizer)` on a small torch model; sparse_gpt / retrain_free pruners (which prepare_pruning only
builds with a dataloader) are built through INC's own pruning classes without one. INC's mutable
defaults (pruning_configs=[{}], excluded_op_names=[]) leak between calls in one process (spec P2),
so each case passes fresh copies of them when it does not set them itself: same values, no leak.
"""

from __future__ import annotations

import copy
import json
import logging
import sys

logging.disable(logging.CRITICAL)

import torch  # noqa: E402
from neural_compressor import WeightPruningConfig  # noqa: E402
from neural_compressor.compression.pruner import prepare_pruning  # noqa: E402
from neural_compressor.compression.pruner.pruning import PRUNINGS  # noqa: E402
from neural_compressor.compression.pruner.utils import process_config  # noqa: E402

SIGNATURE = ("pruning_configs", "target_sparsity", "pruning_type", "pattern", "op_names", "excluded_op_names")
FRESH = {"pruning_configs": [{}], "op_names": [], "excluded_op_names": [], "pruning_op_types": ["Conv", "Linear"]}


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = torch.nn.Linear(16, 32)
        self.layer2 = torch.nn.Linear(32, 32)
        self.layer3 = torch.nn.Linear(32, 32)
        self.classifier = torch.nn.Linear(32, 4)

    def forward(self, x):
        return self.classifier(self.layer3(self.layer2(self.layer1(x))))


def run_case(args: list, kwargs: dict, config_first: bool = False) -> dict:
    given = set(SIGNATURE[:len(args)]) | set(kwargs)
    for k, v in FRESH.items():
        if k not in given:
            kwargs[k] = copy.deepcopy(v)
    model = Model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    try:
        config = WeightPruningConfig(*args, **kwargs)
        if config_first:
            prepare_pruning(copy.deepcopy(config), model, opt)
        else:
            prepare_pruning(model, copy.deepcopy(config), opt)
        infos = process_config(copy.deepcopy(config))
        gpt = [i for i in infos if "gpt" in i["pruning_type"]]
        free = [i for i in infos if "retrain" in i["pruning_type"]]
        if gpt:
            PRUNINGS["sparse_gpt_pruning"](gpt, model, None, device="cpu")
        if free:
            PRUNINGS["retrain_free_pruning"](free, model, None)
    except BaseException as e:  # noqa: BLE001 - the oracle reports whatever INC raises
        return {"error": f"{type(e).__name__}: {str(e)[:300]}"}
    return {"ok": True}


def run_source(source: str) -> dict:
    """A test's own call expression (never documentation code): literals only, checked by ast first."""
    import ast

    tree = ast.parse(source, mode="eval")
    call = tree.body
    assert isinstance(call, ast.Call) and getattr(call.func, "id", None) == "WeightPruningConfig"
    args = [ast.literal_eval(a) for a in call.args]
    kwargs, seen = {}, []
    for k in call.keywords:
        items = ast.literal_eval(k.value).items() if k.arg is None else [(k.arg, ast.literal_eval(k.value))]
        for name, value in items:
            seen.append(name)
            kwargs[name] = value
    if len(seen) != len(set(seen)):
        try:  # let Python say it: the same keyword twice
            WeightPruningConfig(**dict(kwargs), **{seen[0]: None} if seen.count(seen[0]) > 1 else {})
        except TypeError as e:
            return {"error": f"TypeError: {e}"}
        dup = next(n for n in seen if seen.count(n) > 1)
        return {"error": f"TypeError: got multiple values for keyword argument '{dup}'"}
    return run_case(args, kwargs)


def run_imports(statements: list) -> dict:
    """INC's own import statements (checked by ast to import from neural_compressor and nothing else)."""
    import ast

    for stmt in statements:
        (node,) = ast.parse(stmt).body
        modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
        assert isinstance(node, (ast.Import, ast.ImportFrom)) and all(
            m == "neural_compressor" or m.startswith("neural_compressor.") for m in modules), stmt
        try:
            exec(compile(ast.Module([node], []), "<imports>", "exec"), {})
        except ImportError as e:
            return {"error": f"{type(e).__name__}: {e}"}
    return {"ok": True}


def main() -> int:
    req = json.load(sys.stdin)
    out = {}
    for c in req["cases"]:
        if "imports" in c:
            out[c["id"]] = run_imports(c["imports"])
        elif "source" in c:
            out[c["id"]] = run_source(c["source"])
        else:
            out[c["id"]] = run_case(c["args"], c["kwargs"], c.get("config_first", False))
    sys.stdout.write("\n" + json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
