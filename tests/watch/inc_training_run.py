"""Run by the INC 2.6 venv's python: a real pruning run. INC 2.6 prunes a small model with a config
through prepare_pruning (its forward pre-hook and rewritten optimizer step drive the pruners), and
every K optimizer steps the training loop saves the state dict with torch.save (the function INC
patches) into RUN_DIR as step_N.pt, and appends INC's own get_sparsity_ratio for that moment to
FIGURES.jsonl.

    python inc_training_run.py CONFIG RUN_DIR FIGURES.jsonl STEPS EVERY [PAUSE]

An INC 1.x config (pruning.approach.weight_compression, dialect D) runs the 1.x way instead:
INC 2.6's experimental Pruning(CONFIG).fit() trains with INC's own loop built from the config's
`pruning.train` section (epochs start_epoch..end_epoch-1 of `iteration` steps; STEPS is not used),
and a hook registered after INC's own on_step_end hooks (so the weights carry this step's masks)
saves every EVERY steps, alternately as a Hugging Face checkpoint-N/ (pytorch_model.bin, then
trainer_state.json with global_step and epoch) and as step_N.pt. Its FIGURES.jsonl rows are INC's
own: report_sparsity()'s total (what Pruning logs at each epoch end; as a ratio), each pruner's mask
ratio (zeros of its masks over their size), and the sparsity its masks were computed for.
"""

import json
import logging
import os
import sys
import time

logging.disable(logging.CRITICAL)

import torch  # noqa: E402

# run as a script in INC's venv: the models live beside the schedule recorder (one definition)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "schedule"))
from inc_toy_models import WIDTH, Toy  # noqa: E402


def main(argv):
    import re

    # (not yaml.safe_load: INC 1.x's `!Pruner` tags need INC's own loader)
    if re.search(r"^\s*weight_compression:\s*$", open(argv[1]).read(), re.M):
        return main_1x(argv)
    return main_2x(argv)


def main_1x(argv):
    from neural_compressor.experimental import Pruning

    config, run_dir, figures, every = argv[1], argv[2], argv[3], int(argv[5])
    pause = float(argv[6]) if len(argv) > 6 else 0.3
    torch.manual_seed(0)
    model = Toy()
    g = torch.Generator().manual_seed(1)
    data = [(torch.randn(WIDTH, generator=g), i % 2) for i in range(40)]  # 5 batches: more than `iteration`
    prune = Pruning(config)
    prune.model = model
    prune.train_dataloader = torch.utils.data.DataLoader(data, batch_size=8)
    prune.eval_func = lambda m: 0.0
    per_epoch = prune.cfg.pruning.train.iteration
    targets = {}  # pruner -> the sparsity its current masks were computed for

    def watch_masks(p):
        orig = p.compute_mask

        def wrapped():
            targets[id(p)] = float(p.sparsity)
            return orig()
        p.compute_mask = wrapped

    done = [0]
    out = open(figures, "w")

    def after_step():  # runs after INC's own on_step_end hooks: the masks are applied
        done[0] += 1
        n = done[0]
        if n % every:
            return
        if (n // every) % 2:
            folder = os.path.join(run_dir, f"checkpoint-{n}")
            os.makedirs(folder, exist_ok=True)
            torch.save(model.state_dict(), os.path.join(folder, "pytorch_model.bin"))
            with open(os.path.join(folder, "trainer_state.json"), "w") as f:
                json.dump({"global_step": n, "epoch": n / per_epoch}, f)
        else:
            torch.save(model.state_dict(), os.path.join(run_dir, f"step_{n}.pt"))
        _, total = prune._model.report_sparsity()
        current = []
        for p in prune.pruners:
            zeros = sum(int((m == 0).sum()) for m in p.masks.values())
            size = sum(int(m.size) for m in p.masks.values())
            current.append(zeros / size if size else 0.0)
        out.write(json.dumps({"step": n, "epoch": n / per_epoch, "report_sparsity": total / 100,
                              "current": current, "scheduled": [targets.get(id(p), 0.0) for p in prune.pruners]})
                  + "\n")
        out.flush()
        time.sleep(pause)

    generate_hooks, generate_pruners = prune.generate_hooks, prune.generate_pruners

    def hooks_then_ours():
        generate_hooks()
        prune.register_hook("on_step_end", after_step)

    def pruners_watched():
        generate_pruners()
        for p in prune.pruners:
            watch_masks(p)
    prune.generate_hooks, prune.generate_pruners = hooks_then_ours, pruners_watched
    prune.fit()
    out.close()
    return 0


def main_2x(argv):
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
