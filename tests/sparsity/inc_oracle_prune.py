"""Run by the INC 2.6 venv's python: prune small torch models with INC itself, then write each
pruned state dict and what INC says about it (get_sparsity_ratio, selected and invalid layers,
module classes) so that the tests can compare prune-lsp's figures on the saved file.

    python inc_oracle_prune.py OUT_DIR
"""

import json
import logging
import sys
from pathlib import Path

import torch
from torch import nn

logging.disable(logging.WARNING)


class Conv1D(nn.Module):
    """Named like transformers.Conv1D: INC prunes it ("Conv" substring) but leaves it out of its
    matmul_gemm_conv denominator (r"Conv.d" needs a lowercase d)."""

    def __init__(self, nx, nf):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(nx, nf) * 0.1)
        self.bias = nn.Parameter(torch.zeros(nf))

    def forward(self, x):
        return x @ self.weight + self.bias


class ModelA(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 8, 3)
        self.fc1 = nn.Linear(72, 64)
        self.c1d = Conv1D(64, 32)
        self.odd = nn.Linear(32, 6)  # 6 rows: not divisible by 4x1 -> INC "invalid layer"
        self.ln = nn.LayerNorm(6)
        self.head = nn.Linear(6, 2)  # last module: INC auto-excludes it

    def forward(self, x):
        x = torch.relu(self.conv(x)).flatten(1)
        return self.head(self.ln(self.odd(torch.relu(self.c1d(torch.relu(self.fc1(x)))))))


class ModelB(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(64, 64)
        self.lin2 = nn.Linear(64, 32)
        self.head = nn.Linear(32, 2)

    def forward(self, x):
        return self.head(torch.relu(self.lin2(torch.relu(self.lin(x)))))


CASES = {
    "model_a": (ModelA, (4, 5, 5), {
        "pruning_type": "magnitude", "start_step": 0, "end_step": 0, "pruning_scope": "local",
        "pruning_configs": [
            {"op_names": ["conv", "fc1"], "pattern": "4x1", "target_sparsity": 0.5},
            {"op_names": ["c1d", "odd"], "pattern": "4x1", "target_sparsity": 0.75},
        ]}),
    "model_b": (ModelB, (64,), {
        "pruning_type": "magnitude", "start_step": 0, "end_step": 0, "pruning_scope": "local",
        "pruning_configs": [
            {"op_names": ["lin$"], "pattern": "2:4", "target_sparsity": 0.5},
            {"op_names": ["lin2"], "pattern": "1:4", "target_sparsity": 0.25},
        ]}),
}


def run(name, out: Path):
    from neural_compressor.compression.pruner import prepare_pruning
    from neural_compressor.compression.pruner.utils import get_sparsity_ratio
    from neural_compressor.config import WeightPruningConfig

    factory, in_shape, cfg = CASES[name]
    original = json.loads(json.dumps(cfg))  # INC edits the dicts it is given
    torch.manual_seed(0)
    model = factory()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    config = WeightPruningConfig(**cfg)
    pruning = prepare_pruning(model, config, optimizer=opt)
    pruning.on_train_begin()
    for step in range(3):
        pruning.on_step_begin(step)
        loss = model(torch.randn(8, *in_shape)).pow(2).mean()
        loss.backward()
        pruning.on_before_optimizer_step()
        opt.step()
        pruning.on_after_optimizer_step()
        pruning.on_step_end()
        opt.zero_grad()
    pruning.on_train_end()
    figures = get_sparsity_ratio(pruning.pruners, model)
    torch.save(model.state_dict(), out / f"{name}.pt")
    info = {
        "figures": list(figures),
        "classes": {n: type(m).__name__ for n, m in model.named_modules()},
        "config": original,
        "pruners": [{
            "pattern": p.config["pattern"],
            "target_sparsity": p.config["target_sparsity"],
            "pruning_type": p.config["pruning_type"],
            "modules": list(p.modules),
            "invalid_layers": list(getattr(p.pattern, "invalid_layers", [])),
            "pattern_ratio": p.pattern.get_sparsity_ratio(p.masks),
            "mask_zeros": {k: int((v == 0).sum()) for k, v in p.masks.items()},
        } for p in pruning.pruners],
    }
    (out / f"{name}.json").write_text(json.dumps(info, indent=1))


if __name__ == "__main__":
    out = Path(sys.argv[1])
    for case in CASES:
        run(case, out)
