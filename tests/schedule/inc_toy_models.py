"""The small torch models the INC 2.6 oracle scripts train (inc_record_schedule.py here and
tests/watch/inc_training_run.py): one definition, so that the schedule recording and the real
run prune the same layers. Both scripts run as standalone programs in INC's venv and import this
file by putting its folder on sys.path (it needs torch only, never the project).

- Toy: fc1, fc2, fc3 (64x64 Linear), head (2x64, INC's auto-excluded classifier head); with
  `prezero_blocks`, weights that already have a known share of all-zero 4x1 blocks (lock_init_sparsity);
- MhaToy: a token embedding, one self-attention block whose query/key/value/out Linear layers and
  num_attention_heads/attention_head_size/all_head_size attributes are what INC's SelfMHASearcher
  and MHACompression look for (the `mha` pattern), then a head;
- LayersToy: a `layers` ModuleList of blocks returning tuples, the shape sparse_gpt walks
  (get_layers, collect_layer_inputs), with the `device` attribute it reads.
"""

import torch
from torch import nn

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


    def batch(self, generator, n: int = 8):
        return torch.randn(n, WIDTH, generator=generator)


def prezero_blocks(model, names, ratio: float, seed: int = 3) -> float:
    """Zero floor(ratio * blocks) of the 4x1 blocks (4 rows of one column) of each named Linear's
    weight, chosen at random; returns the exact share zeroed (the same in every layer)."""
    g = torch.Generator().manual_seed(seed)
    share = 0.0
    with torch.no_grad():
        for name in names:
            w = getattr(model, name).weight
            rows, cols = w.shape
            n_blocks = (rows // 4) * cols
            k = int(ratio * n_blocks)
            idx = torch.randperm(n_blocks, generator=g)[:k]
            blocks = w.view(rows // 4, 4, cols).permute(0, 2, 1).reshape(n_blocks, 4).clone()
            blocks[idx] = 0.0
            w.copy_(blocks.reshape(rows // 4, cols, 4).permute(0, 2, 1).reshape(rows, cols))
            share = k / n_blocks
    return share


HEADS = 8
VOCAB = 32


class SelfAttention(nn.Module):
    """What INC's mha pattern prunes: query/key/value fed by one input, the first Linear after them
    (`out`) as the attention's output layer, and the head attributes MHACompression reads."""

    def __init__(self):
        super().__init__()
        self.num_attention_heads = HEADS
        self.attention_head_size = WIDTH // HEADS
        self.all_head_size = WIDTH
        self.query = nn.Linear(WIDTH, WIDTH)
        self.key = nn.Linear(WIDTH, WIDTH)
        self.value = nn.Linear(WIDTH, WIDTH)
        self.out = nn.Linear(WIDTH, WIDTH)

    def forward(self, h):
        b, t, _ = h.shape

        def heads(x):
            return x.view(b, t, self.num_attention_heads, self.attention_head_size).transpose(1, 2)
        q, k, v = heads(self.query(h)), heads(self.key(h)), heads(self.value(h))
        a = torch.softmax(q @ k.transpose(-1, -2) / self.attention_head_size ** 0.5, -1)
        return self.out((a @ v).transpose(1, 2).reshape(b, t, self.all_head_size))


class MhaToy(nn.Module):
    """Token ids in (INC traces a model whose first parameter is 2-D with int64 ids [1, 16])."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, WIDTH)
        self.attn = SelfAttention()
        self.head = nn.Linear(WIDTH, 2)

    def forward(self, x):
        h = self.embed(x)
        h = h + self.attn(h)
        return self.head(h.mean(1))

    def batch(self, generator, n: int = 4):
        return torch.randint(0, VOCAB, (n, 16), generator=generator)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(WIDTH, WIDTH)

    def forward(self, h, *args, **kwargs):
        return (torch.relu(self.fc(h)),)  # a tuple, as sparse_gpt indexes each layer's output [0]


class LayersToy(nn.Module):
    """sparse_gpt walks the first ModuleList (`layers.0.fc`, ...), and reads `model.device`."""

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([Block() for _ in range(3)])
        self.head = nn.Linear(WIDTH, 2)

    @property
    def device(self):
        return next(self.parameters()).device

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)[0]
        return self.head(x)

    def batch(self, generator, n: int = 8):
        return torch.randn(n, WIDTH, generator=generator)


MODELS = {"toy": Toy, "mha": MhaToy, "layers": LayersToy}
