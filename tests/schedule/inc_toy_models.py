"""The small torch models the INC 2.6 oracle scripts train (inc_record_schedule.py here and
tests/watch/inc_training_run.py): one definition, so that the schedule recording and the real
run prune the same layers. Both scripts run as standalone programs in INC's venv and import this
file by putting its folder on sys.path (it needs torch only, never the project).

- Toy: fc1, fc2, fc3 (64x64 Linear), head (2x64, INC's auto-excluded classifier head);
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


def toy_batch(generator, batch: int = 8):
    return torch.randn(batch, WIDTH, generator=generator)
