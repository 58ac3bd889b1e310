"""Run by the INC 2.6 venv's python: a real pruning run. INC 2.6 prunes a small model with a config
through prepare_pruning (its forward pre-hook and rewritten optimizer step drive the pruners), and
every K optimizer steps the training loop saves the state dict with torch.save (the function INC
patches) into RUN_DIR as step_N.pt, and appends INC's own get_sparsity_ratio for that moment to
FIGURES.jsonl.

    python inc_training_run.py CONFIG RUN_DIR FIGURES.jsonl STEPS EVERY [PAUSE]
"""

import json
import logging
import os
import sys
import time

logging.disable(logging.CRITICAL)

import torch  # noqa: E402
from torch import nn  # noqa: E402

WIDTH = 64


class Toy(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(WIDTH, WIDTH)
        self.fc2 = nn.Linear(WIDTH, WIDTH)
        self.fc3 = nn.Linear(WIDTH, WIDTH)
        self.head = nn.Linear(WIDTH, 2)

    def forward(self, x):
        return self.head(torch.relu(self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))))


def main(argv):
    from neural_compressor.compression.pruner import prepare_pruning
    from neural_compressor.compression.pruner.utils import get_sparsity_ratio

    config, run_dir, figures, steps, every = argv[1], argv[2], argv[3], int(argv[4]), int(argv[5])
    pause = float(argv[6]) if len(argv) > 6 else 0.3
    torch.manual_seed(0)
    model = Toy()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    pruning = prepare_pruning(model, config, optimizer=opt)
    pruning.on_train_begin()
    g = torch.Generator().manual_seed(1)
    with open(figures, "w") as out:
        for step in range(steps):
            loss = model(torch.randn(8, WIDTH, generator=g)).pow(2).mean()  # INC's pre-hook: on_step_begin
            loss.backward()
            opt.step()  # INC's rewritten step: on_before/after_optimizer_step
            opt.zero_grad()
            done = step + 1
            if done % every == 0:
                figs = get_sparsity_ratio(pruning.pruners, model)
                torch.save(model.state_dict(), os.path.join(run_dir, f"step_{done}.pt"))
                out.write(json.dumps({"step": done, "inc": list(figs),
                                      "current": [float(p.current_sparsity_ratio) for p in pruning.pruners]}) + "\n")
                out.flush()
                time.sleep(pause)
    pruning.on_train_end()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
