"""Write examples/tiny_bert.safetensors: a 2-layer BERT-shaped model, partly pruned, with numpy only.

Names and shapes follow Hugging Face's BertForSequenceClassification, so the example config's
op_names and the layer completion look like the real thing. Layer 0's attention is pruned 4x1 to
50%, its feed-forward 2:4; the rest is dense. Deterministic (seeded), a few hundred KB.
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import numpy as np

HIDDEN, FFN, VOCAB, LAYERS = 64, 256, 512, 2


def tensors(rng: np.random.Generator) -> dict[str, np.ndarray]:
    t: dict[str, np.ndarray] = {}

    def lin(name: str, out_f: int, in_f: int) -> None:
        t[f"{name}.weight"] = rng.standard_normal((out_f, in_f), dtype=np.float32) * 0.05
        t[f"{name}.bias"] = np.zeros(out_f, np.float32)

    def norm(name: str) -> None:
        t[f"{name}.weight"] = np.ones(HIDDEN, np.float32)
        t[f"{name}.bias"] = np.zeros(HIDDEN, np.float32)

    t["bert.embeddings.word_embeddings.weight"] = rng.standard_normal((VOCAB, HIDDEN), dtype=np.float32) * 0.02
    t["bert.embeddings.position_embeddings.weight"] = rng.standard_normal((128, HIDDEN), dtype=np.float32) * 0.02
    norm("bert.embeddings.LayerNorm")
    for i in range(LAYERS):
        p = f"bert.encoder.layer.{i}"
        for part in ("query", "key", "value"):
            lin(f"{p}.attention.self.{part}", HIDDEN, HIDDEN)
        lin(f"{p}.attention.output.dense", HIDDEN, HIDDEN)
        norm(f"{p}.attention.output.LayerNorm")
        lin(f"{p}.intermediate.dense", FFN, HIDDEN)
        lin(f"{p}.output.dense", HIDDEN, FFN)
        norm(f"{p}.output.LayerNorm")
    lin("bert.pooler.dense", HIDDEN, HIDDEN)
    lin("classifier", 2, HIDDEN)
    # Layer 0 attention: 4x1 blocks (4 output rows x 1 input column), half of them zero.
    for part in ("query", "key", "value"):
        w = t[f"bert.encoder.layer.0.attention.self.{part}.weight"]
        blocks = w.reshape(HIDDEN // 4, 4, HIDDEN)
        mask = rng.random((HIDDEN // 4, 1, HIDDEN)) < 0.5
        blocks[np.broadcast_to(mask, blocks.shape)] = 0.0
    # Layer 0 feed-forward: 2:4 (2 zeros in every 4 consecutive inputs).
    for name in ("intermediate.dense", "output.dense"):
        w = t[f"bert.encoder.layer.0.{name}.weight"]
        groups = w.reshape(w.shape[0], -1, 4)
        order = np.argsort(np.abs(groups), axis=-1)
        np.put_along_axis(groups, order[..., :2], 0.0, axis=-1)
    return t


def write_safetensors(path: Path, tensors: dict[str, np.ndarray]) -> None:
    header: dict = {"__metadata__": {"format": "pt", "source": "prune-lsp examples/make_tiny_model.py"}}
    offset = 0
    blobs = []
    for name, arr in tensors.items():
        data = np.ascontiguousarray(arr).tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)  # the format aligns the data to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("tiny_bert.safetensors")
    write_safetensors(out, tensors(np.random.default_rng(0)))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
