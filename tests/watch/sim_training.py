"""A simulated training run: writes checkpoints with known sparsity at known steps into a folder,
slowly (each weight file in several chunks with pauses, as a big checkpoint is written), the way a
Hugging Face Trainer lays them out (checkpoint-N/model.safetensors, then trainer_state.json) or as
torch.save state dicts (step_N.pt).

    python sim_training.py RUN_DIR PLAN.json

PLAN.json: {"checkpoints": [{"step": N, "ratio": R, "format": "hf"|"pt", "seed": S, "dense": [layer, ...]}], "pause": seconds between
checkpoints, "chunk_pause": seconds between chunks}. Layers fc1, fc2, fc3 (64x64) get exactly
floor(R * blocks) zero 4x1 blocks each; head (2x64) stays dense (INC auto-excludes the last layer).
"""

import io
import json
import os
import sys
import time

import torch
from safetensors.torch import save as st_save

WIDTH = 64


def state(ratio: float, seed: int, dense: tuple = ()) -> dict:
    g = torch.Generator().manual_seed(seed)
    sd = {}
    for name in ("fc1", "fc2", "fc3"):
        w = torch.randn(WIDTH, WIDTH, generator=g) + 3.0  # never zero by chance
        blocks = w.view(WIDTH // 4, 4, WIDTH)  # 4x1: 4 consecutive rows in one column
        n_blocks = (WIDTH // 4) * WIDTH
        k = 0 if name in dense else int(ratio * n_blocks)
        idx = torch.randperm(n_blocks, generator=g)[:k]
        flat = blocks.permute(0, 2, 1).reshape(n_blocks, 4)
        flat[idx] = 0.0
        sd[f"{name}.weight"] = flat.reshape(WIDTH // 4, WIDTH, 4).permute(0, 2, 1).reshape(WIDTH, WIDTH).contiguous()
        sd[f"{name}.bias"] = torch.ones(WIDTH)
    sd["head.weight"] = torch.randn(2, WIDTH, generator=g) + 3.0
    sd["head.bias"] = torch.ones(2)
    return sd


def slow_write(path: str, data: bytes, chunks: int, pause: float) -> None:
    step = max(1, len(data) // chunks)
    with open(path, "wb") as f:
        for i in range(0, len(data), step):
            f.write(data[i:i + step])
            f.flush()
            os.fsync(f.fileno())
            time.sleep(pause)


def main(argv):
    run_dir, plan = argv[1], json.load(open(argv[2]))
    os.makedirs(run_dir, exist_ok=True)
    for i, ck in enumerate(plan["checkpoints"]):
        sd = state(ck["ratio"], ck.get("seed", i), tuple(ck.get("dense", ())))
        if ck.get("format", "hf") == "hf":
            folder = os.path.join(run_dir, f"checkpoint-{ck['step']}")
            os.makedirs(folder, exist_ok=True)
            slow_write(os.path.join(folder, "model.safetensors"), st_save(sd), 4, plan.get("chunk_pause", 0.2))
            with open(os.path.join(folder, "trainer_state.json"), "w") as f:
                json.dump({"global_step": ck["step"], "epoch": 0.0}, f)
        else:
            buf = io.BytesIO()
            torch.save(sd, buf)
            slow_write(os.path.join(run_dir, f"step_{ck['step']}.pt"), buf.getvalue(), 4, plan.get("chunk_pause", 0.2))
        time.sleep(plan.get("pause", 0.3))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
