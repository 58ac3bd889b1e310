"""The model INC's corpus verdicts were obtained on (../shared/corpus/README.md describes it), as a
torch module; imports only torch, so that the INC oracle child (tests/oracle/inc_runner.py) and the
tests build the same one.

It has every layer the corpus configs select (BERT-style names, `layer1..3`, an encoder with
fc1/fc2, a head `classifier` registered last), with the README's shapes: a config whose failure
depends on the shapes (an N:M pattern that no selected layer divides) fails on it as it did
for INC. The forward pass runs every layer, so gradient criteria get a gradient everywhere.
"""

from __future__ import annotations

import torch
from torch import nn

H = 64


def _lin(o: int = H, i: int = H) -> nn.Linear:
    return nn.Linear(i, o)


class _SelfAttn(nn.Module):
    def __init__(self):
        super().__init__()
        self.query, self.key, self.value = _lin(), _lin(), _lin()


class _Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.self = _SelfAttn()
        self.output = nn.Module()
        self.output.dense = _lin()


class _BertLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.query = _lin()
        self.attention = _Attention()
        self.intermediate = nn.Module()
        self.intermediate.dense = _lin()
        self.output = _lin()


class CorpusModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.bert = nn.Module()
        self.bert.embeddings = nn.Module()
        self.bert.embeddings.word_embeddings = nn.Embedding(100, H)
        self.bert.encoder = nn.Module()
        self.bert.encoder.layer = nn.ModuleList([_BertLayer() for _ in range(2)])
        self.layer1 = nn.ModuleList([nn.Conv2d(16, 32, 3, padding=1), _lin()])
        self.layer2 = nn.ModuleList([nn.Conv2d(32, 32, 1)])
        self.layer3 = nn.ModuleList([nn.Conv2d(32, 32, 1)])
        self.encoder = nn.Module()
        self.encoder.layers = nn.ModuleList([nn.Module() for _ in range(8)])
        for blk in self.encoder.layers:
            blk.fc1, blk.fc2 = _lin(), _lin()
        self.decoder = _lin()
        self.fc = _lin()
        self.classifier = _lin(8, H)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: [batch, 64]. Every module is applied, each to an input of its own shape."""
        b = x.shape[0]
        ids = (x.abs() * 10).long().clamp(0, 99)[:, :4]
        h = x + self.bert.embeddings.word_embeddings(ids).mean(1)
        for layer in self.bert.encoder.layer[:2]:  # a stand-in may add modules (inc_runner._d_model)
            a = layer.attention.self
            h = h + a.query(h) + a.key(h) + a.value(h)
            h = torch.relu(layer.attention.output.dense(h) + layer.query(h))
            h = layer.output(torch.relu(layer.intermediate.dense(h)))
        img = h[:, :16, None, None].expand(b, 16, 3, 3)
        c = self.layer1[0](img)
        c = self.layer3[0](torch.relu(self.layer2[0](c)))
        h = h + self.layer1[1](h) + c.mean((2, 3)).repeat(1, 2)
        for blk in self.encoder.layers[:8]:
            h = h + blk.fc2(torch.relu(blk.fc1(h)))
        h = self.fc(torch.relu(self.decoder(h)))
        return self.classifier(h)


def build() -> CorpusModel:
    torch.manual_seed(0)
    return CorpusModel()


def shapes() -> dict[str, tuple[int, ...]]:
    """module name -> weight shape, for every module with a weight."""
    return {n: tuple(m.weight.shape) for n, m in build().named_modules() if isinstance(getattr(m, "weight", None),
                                                                                   torch.Tensor)}


# The 1.x gradient_sensitivity pruner with `parameters` prunes attention heads and FFN rows of a
# BERT by the gradient of the model's `head_mask` input (INC's own test drives it on
# bert-base-uncased). Its stand-in: HF BERT's parameter names and bert-base's widths (12 heads of
# 64, FFN 3072), 2 layers, and a forward that takes `head_mask` (layers x heads) and applies it to
# every head, so that its gradient, and every weight's, exists after backward.
BERT_LAYERS, BERT_HEADS, BERT_HEAD_DIM, BERT_FFN = 2, 12, 64, 3072
BERT_HIDDEN = BERT_HEADS * BERT_HEAD_DIM


class _HFSelfAttn(nn.Module):
    def __init__(self):
        super().__init__()
        self.query, self.key, self.value = (nn.Linear(BERT_HIDDEN, BERT_HIDDEN) for _ in range(3))


class _HFAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.self = _HFSelfAttn()
        self.output = nn.Module()
        self.output.dense = nn.Linear(BERT_HIDDEN, BERT_HIDDEN)


class _HFLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = _HFAttention()
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(BERT_HIDDEN, BERT_FFN)
        self.output = nn.Module()
        self.output.dense = nn.Linear(BERT_FFN, BERT_HIDDEN)


class BertForHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.bert = nn.Module()
        self.bert.embeddings = nn.Module()
        self.bert.embeddings.word_embeddings = nn.Embedding(100, BERT_HIDDEN)
        self.bert.encoder = nn.Module()
        self.bert.encoder.layer = nn.ModuleList([_HFLayer() for _ in range(BERT_LAYERS)])
        self.classifier = nn.Linear(BERT_HIDDEN, 2)

    def forward(self, input_ids, head_mask=None):
        b = input_ids.shape[0]
        h = self.bert.embeddings.word_embeddings(input_ids).mean(1)
        for i, layer in enumerate(self.bert.encoder.layer):
            a = layer.attention.self
            q, k, v = (t.view(b, BERT_HEADS, BERT_HEAD_DIM) for t in (a.query(h), a.key(h), a.value(h)))
            ctx = torch.softmax(q * k, dim=-1) * v
            if head_mask is not None:
                ctx = ctx * head_mask[i].view(1, BERT_HEADS, 1)
            h = h + layer.attention.output.dense(ctx.reshape(b, BERT_HIDDEN))
            h = h + layer.output.dense(torch.nn.functional.gelu(layer.intermediate.dense(h)))
        return self.classifier(h)


def bert_for_heads() -> BertForHeads:
    torch.manual_seed(0)
    return BertForHeads()
