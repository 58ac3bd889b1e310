"""Run by the INC 2.6 venv's python: INC's own Keras NxM pattern (nxm.py KerasPatternNxM) on
weights that TensorFlow wrote and loaded back (an .npz from tf_writer.py), masks = weight != 0
(what a pruned checkpoint holds). Prints {"invalid": [...], "layers": {name: {zero_cnt,
total_cnt}}} for each pattern given: the oracle for the Keras block layout.

    python inc_keras_pattern.py WEIGHTS.npz PATTERN [PATTERN ...]
"""

import json
import logging
import sys

import numpy as np

logging.disable(logging.WARNING)

from neural_compressor.compression.pruner.patterns.nxm import KerasPatternNxM  # noqa: E402
from neural_compressor.utils.utility import DotDict  # noqa: E402


class Layer:
    """Stands for a Keras layer: INC's pattern only calls get_weights()."""

    def __init__(self, w):
        self.w = w

    def get_weights(self):
        return [self.w]


weights = dict(np.load(sys.argv[1]))
out = {}
for pattern in sys.argv[2:]:
    config = DotDict({"pattern": pattern, "pruning_scope": "local", "max_sparsity_ratio_per_op": 0.98,
                      "min_sparsity_ratio_per_op": 0.0, "target_sparsity": 0.5, "pruning_type": "magnitude",
                      "criterion_reduce_type": "mean", "min_sparsity_ratio_per_op_": 0.0})
    pat = KerasPatternNxM(config, {k: Layer(v) for k, v in weights.items()})
    res = {"invalid": sorted(pat.invalid_layers), "layers": {}}
    for k, v in weights.items():
        if k in pat.invalid_layers:
            continue
        r = pat.get_sparsity_ratio({k: (v != 0).astype(np.float32)}, return_dict=True)
        res["layers"][k] = {"zero_cnt": r["zero_cnt"], "total_cnt": r["total_cnt"]}
    out[pattern] = res
print(json.dumps(out))
