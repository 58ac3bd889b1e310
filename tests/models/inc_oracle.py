"""Run INC 2.6's own parse_to_prune on the toy models (executed by the INC venv's python).

stdin: JSON {"cases": [{"id", "model", "config"}]}; stdout (last line): JSON {id: {"selected": [...]}
or {"error": "Type: message"}}. Each case gets a fresh model and a fresh config, since INC
mutates excluded_op_names in place.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
logging.disable(logging.CRITICAL)

import toy_models  # noqa: E402
from neural_compressor.compression.pruner.utils import parse_to_prune  # noqa: E402

DEFAULTS = {"op_names": [], "excluded_op_names": [], "pruning_op_types": ["Conv", "Linear"], "pattern": "4x1"}


class _Cfg(dict):
    __getattr__ = dict.__getitem__


def _invalid_layers(model, pattern: str) -> dict:
    """Build INC's pattern object over every weighted module; return its invalid layers and warnings."""
    import torch
    from neural_compressor.compression.pruner.patterns import get_pattern, ninm, nxm

    warnings = []

    class _Log:
        def warning(self, msg, *a, **k):
            warnings.append(str(msg))

        def __getattr__(self, name):
            return lambda *a, **k: None

    nxm.logger = ninm.logger = _Log()
    modules = {n: m for n, m in model.named_modules() if isinstance(getattr(m, "weight", None), torch.Tensor)}
    cfg = _Cfg(pattern=pattern, pruning_scope="local", max_sparsity_ratio_per_op=0.98,
               min_sparsity_ratio_per_op=0.0, target_sparsity=0.9, pruning_type="snip_momentum",
               criterion_reduce_type="mean")
    try:
        pat = get_pattern(cfg, modules)
    except Exception as e:
        return {"error": f"{type(e).__name__}: {e}"}
    return {"invalid": sorted(pat.invalid_layers), "warnings": sorted(warnings)}


def main() -> int:
    req = json.load(sys.stdin)
    models = {}
    out = {}
    for case in req["cases"]:
        model = models.get(case["model"]) or toy_models.build(case["model"])
        models[case["model"]] = model
        cfg = dict(DEFAULTS)
        cfg.update(json.loads(json.dumps(case["config"])))
        try:
            out[case["id"]] = {"selected": list(parse_to_prune(cfg, model).keys())}
        except Exception as e:
            kind = "re.error" if isinstance(e, re.error) else type(e).__name__
            out[case["id"]] = {"error": f"{kind}: {e}"}
    for case in req.get("patterns", []):
        out[case["id"]] = _invalid_layers(toy_models.build(case["model"]), case["pattern"])
    sys.stdout.write("\n" + json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
