"""Which paths under a run folder are checkpoints, and at which step.

- a Hugging Face Trainer `checkpoint-N/` folder: its step is `global_step` in trainer_state.json
  (N when that file is absent or unreadable);
- any model file the other commands accept (.safetensors, .pt, .pth, .bin, a sharded
  `*.safetensors.index.json`), directly in the folder or one level below; a step is read from names
  like `step_120.pt`, `checkpoint-120.safetensors`, `global_step120/`, else it is unknown (None).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Optional

MODEL_SUFFIXES = (".safetensors", ".pt", ".pth", ".bin")
_STEP_RE = re.compile(r"(?:checkpoint|ckpt|step|steps|iter|iteration|global_step)[-_]?(\d+)", re.I)
_SKIP = ("optimizer", "scheduler", "rng_state", "scaler", "training_args", "trainer_state")


@dataclass(frozen=True)
class Candidate:
    path: str  # what is measured: a model file or a model folder
    step: Optional[int]
    kind: str  # "hf-checkpoint" | "file" | "index"
    files: tuple[str, ...]  # the files whose completeness decides (see complete.py)
    epoch: Optional[float] = None  # trainer_state.json `epoch` (epochs done, a float), when written


def step_from_name(name: str) -> Optional[int]:
    m = None
    for m in _STEP_RE.finditer(name):
        pass
    return int(m.group(1)) if m else None


def _trainer_state(folder: str) -> dict:
    try:
        with open(os.path.join(folder, "trainer_state.json"), encoding="utf-8") as f:
            v = json.load(f)
        return v if isinstance(v, dict) else {}
    except (OSError, ValueError):
        return {}


def trainer_step(folder: str) -> Optional[int]:
    v = _trainer_state(folder).get("global_step")
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def trainer_epoch(folder: str) -> Optional[float]:
    """The Trainer's `epoch`: epochs done when it saved (1.5 = half way through the second)."""
    v = _trainer_state(folder).get("epoch")
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and v >= 0 else None


def _weights_in(folder: str) -> list[str]:
    out = []
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return out
    index = [n for n in names if n.endswith(".safetensors.index.json")]
    if index:
        return [os.path.join(folder, index[0])]
    for n in names:
        low = n.lower()
        if low.endswith(MODEL_SUFFIXES) and not any(s in low for s in _SKIP):
            out.append(os.path.join(folder, n))
    return out


def discover(run_dir: str) -> list[Candidate]:
    """The checkpoints in `run_dir` now (complete or not), oldest step first, unknown steps last."""
    found: list[Candidate] = []
    try:
        entries = sorted(os.scandir(run_dir), key=lambda e: e.name)
    except OSError:
        return found
    for e in entries:
        if e.name.startswith("."):
            continue  # temporary files (e.g. `.tmp-...` written then renamed)
        if e.is_dir():
            weights = _weights_in(e.path)
            if not weights:
                continue
            hf = re.fullmatch(r"checkpoint-(\d+)", e.name)
            if hf:
                step = trainer_step(e.path)
                files = tuple(weights) + (os.path.join(e.path, "trainer_state.json"),)
                found.append(Candidate(e.path if _has_config(e.path) else weights[0],
                                       step if step is not None else int(hf.group(1)), "hf-checkpoint", files,
                                       trainer_epoch(e.path)))
            elif _has_config(e.path):
                found.append(Candidate(e.path, step_from_name(e.name), "folder", tuple(weights)))
            else:
                for w in weights:
                    found.append(Candidate(w, step_from_name(os.path.relpath(w, run_dir)), _kind(w), (w,)))
        elif e.name.lower().endswith(MODEL_SUFFIXES) and not any(s in e.name.lower() for s in _SKIP) \
                or e.name.endswith(".safetensors.index.json"):
            found.append(Candidate(e.path, step_from_name(e.name), _kind(e.path), (e.path,)))
    found.sort(key=lambda c: (c.step is None, c.step if c.step is not None else 0, c.path))
    return found


def _kind(path: str) -> str:
    return "index" if path.endswith(".index.json") else "file"


def _has_config(folder: str) -> bool:
    return os.path.isfile(os.path.join(folder, "config.json"))


def checkpoint_step(model_path: str) -> Optional[int]:
    """The training step a model path was saved at, when it says: a HF checkpoint folder's
    trainer_state.json (the folder itself or the one holding the file), else a step in its name."""
    p = os.path.abspath(model_path)
    for folder in ((p,) if os.path.isdir(p) else ()) + (os.path.dirname(p),):
        step = trainer_step(folder)
        if step is not None:
            return step
    base = os.path.basename(p)
    step = step_from_name(base)
    if step is None and re.fullmatch(r"(?:checkpoint|global_step|step)[-_]?\d+", os.path.basename(os.path.dirname(p))):
        step = step_from_name(os.path.basename(os.path.dirname(p)))
    return step
