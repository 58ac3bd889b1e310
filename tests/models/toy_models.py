"""Small torch models shared by the tests and the INC oracle child (imports only torch).

Each factory builds a model whose selection by INC exercises a different rule: the MLP's head
`fc` over-matches `fc1`; the conv net ends with a pooling layer (no head); the BERT-like model
has a classifier head after a dropout and many same-named sub-layers; the mixed model holds the
classes that INC's substring matching trips on (ConvTranspose2d, a custom Conv1D,
MultiheadAttention's out_proj, LayerNorm, Embedding).
"""

from __future__ import annotations

import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(32, 64)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(64, 64)
        self.drop = nn.Dropout(0.1)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc(self.drop(self.fc2(self.act(self.fc1(x)))))


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        )
        self.proj = nn.Conv1d(32, 30, 1)  # 30 output channels: not divisible by 4 rows
        self.head = nn.Conv2d(32, 10, 1)
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        x = self.features(x)
        return self.pool(self.head(x)).flatten(1)


class SelfAttention(nn.Module):
    def __init__(self, h: int):
        super().__init__()
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)

    def forward(self, x):
        q, k, v = self.query(x), self.key(x), self.value(x)
        a = torch.softmax(q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5, -1)
        return a @ v


class SelfOutput(nn.Module):
    def __init__(self, h: int):
        super().__init__()
        self.dense = nn.Linear(h, h)
        self.LayerNorm = nn.LayerNorm(h)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x, res):
        return self.LayerNorm(self.dropout(self.dense(x)) + res)


class Attention(nn.Module):
    def __init__(self, h: int):
        super().__init__()
        self.self = SelfAttention(h)
        self.output = SelfOutput(h)

    def forward(self, x):
        return self.output(self.self(x), x)


class Intermediate(nn.Module):
    def __init__(self, h: int, i: int):
        super().__init__()
        self.dense = nn.Linear(h, i)

    def forward(self, x):
        return torch.relu(self.dense(x))


class Output(nn.Module):
    def __init__(self, h: int, i: int):
        super().__init__()
        self.dense = nn.Linear(i, h)
        self.LayerNorm = nn.LayerNorm(h)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x, res):
        return self.LayerNorm(self.dropout(self.dense(x)) + res)


class Layer(nn.Module):
    def __init__(self, h: int, i: int):
        super().__init__()
        self.attention = Attention(h)
        self.intermediate = Intermediate(h, i)
        self.output = Output(h, i)

    def forward(self, x):
        a = self.attention(x)
        return self.output(self.intermediate(a), a)


class Embeddings(nn.Module):
    def __init__(self, vocab: int, h: int):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, h)
        self.position_embeddings = nn.Embedding(64, h)
        self.LayerNorm = nn.LayerNorm(h)
        self.dropout = nn.Dropout(0.1)

    def forward(self, ids):
        pos = torch.arange(ids.shape[1], device=ids.device)
        return self.dropout(self.LayerNorm(self.word_embeddings(ids) + self.position_embeddings(pos)))


class Encoder(nn.Module):
    def __init__(self, h: int, i: int, n: int):
        super().__init__()
        self.layer = nn.ModuleList([Layer(h, i) for _ in range(n)])

    def forward(self, x):
        for layer in self.layer:
            x = layer(x)
        return x


class Pooler(nn.Module):
    def __init__(self, h: int):
        super().__init__()
        self.dense = nn.Linear(h, h)
        self.activation = nn.Tanh()

    def forward(self, x):
        return self.activation(self.dense(x[:, 0]))


class Bert(nn.Module):
    def __init__(self, vocab: int = 100, h: int = 32, i: int = 64, n: int = 2):
        super().__init__()
        self.embeddings = Embeddings(vocab, h)
        self.encoder = Encoder(h, i, n)
        self.pooler = Pooler(h)

    def forward(self, ids):
        return self.pooler(self.encoder(self.embeddings(ids)))


class BertClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.bert = Bert()
        self.dropout = nn.Dropout(0.1)
        self.classifier = nn.Linear(32, 3)

    def forward(self, ids):
        return self.classifier(self.dropout(self.bert(ids)))


class Conv1D(nn.Module):
    """Like transformers' GPT-2 Conv1D: a [in, out] weight and a class name containing 'Conv'."""

    def __init__(self, nf: int, nx: int):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))

    def forward(self, x):
        return x @ self.weight + self.bias


class Mixed(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(50, 16)
        self.conv = nn.Conv2d(3, 8, 3)
        self.convt = nn.ConvTranspose2d(8, 4, 3)
        self.c1d = Conv1D(16, 16)
        self.fc1 = nn.Linear(16, 16)
        self.ln = nn.LayerNorm(16)
        self.attn = nn.MultiheadAttention(16, 2)
        self.fc = nn.Linear(16, 4)
        self.drop = nn.Dropout(0.1)

    def forward(self, x):  # never run; the structure is what the tests need
        return self.drop(self.fc(x))


FACTORIES = {"mlp": MLP, "convnet": ConvNet, "bert": BertClassifier, "mixed": Mixed}


def build(name: str) -> nn.Module:
    torch.manual_seed(0)
    return FACTORIES[name]()
