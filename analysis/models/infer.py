"""Modules and their classes guessed from a flat list of tensor names and shapes (a state dict).

A state dict records `<module>.<param>` names, not classes; INC selects by class name, so we
infer the class from the weight's rank and the module's name (2-D -> Linear, 4-D -> Conv2d,
`*embeddings*` -> Embedding, 1-D named like a norm -> LayerNorm, ...). Every such class is
marked inferred. Names of weightless modules are only known when the file recorded them
(torch's state_dict `_metadata`).
"""

from __future__ import annotations

import re
from math import prod
from operator import attrgetter
from typing import NamedTuple

from .types import LayerInfo

# Buffers that a state dict stores beside parameters; not parameters of the module.
_BUFFERS = {"running_mean", "running_var", "num_batches_tracked", "position_ids", "inv_freq",
            "weight_mask", "bias_mask", "masked_bias", "token_type_ids"}

_PARAMETRIZED = re.compile(r"^(.*?)\.?parametrizations\.(\w+)\.original\d*$")
_DIGITS = re.compile(r"\d+")
_EMBED = re.compile(r"emb|^wte$|^wpe$|^shared$|^tok_embeddings$|^embed_tokens$", re.I)
_NORM = re.compile(r"norm|^ln|ln$|^ln_|_ln|layernorm|^bn\d*$|^gn$", re.I)
_DROP = re.compile(r"drop", re.I)
# HF GPT-2 style models store these as transformers.Conv1D ([in, out] weights)
_HF_CONV1D_TYPES = {"gpt2", "openai-gpt", "gpt_bigcode", "imagegpt", "decision_transformer"}
_tensor_name = attrgetter("name")
_HF_CONV1D_LEAVES = {"c_attn", "c_proj", "c_fc", "q_attn"}


class Tensor(NamedTuple):
    name: str
    shape: tuple[int, ...]
    dtype: str


def numel(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def split_name(tensor: str) -> tuple[str, str]:
    """'a.b.weight' -> ('a.b', 'weight'); reparametrised names map to the module that owns `.weight`."""
    if "parametrizations" in tensor:
        m = _PARAMETRIZED.match(tensor)
        if m:
            return m.group(1), m.group(2)
    mod, _, leaf = tensor.rpartition(".")
    return mod, leaf  # weight_orig (torch.nn.utils.prune), weight_v/_g (weight_norm) stay leaves


def _pad(m: re.Match) -> str:
    return m.group().zfill(12)


def natural_key(name: str) -> str:
    """Sort key: numbers compared as numbers ('layer.2' < 'layer.10'), a parent right before its
    children ('.' becomes the lowest character), '' first."""
    return _DIGITS.sub(_pad, name).replace(".", "\x00")


def natural_sorted(names: list[str]) -> list[str]:
    """`sorted(names, key=natural_key)`, with every key made in one regex pass over the joined
    names (a third faster on 10,000 names than one `sub` call per name)."""
    joined = "\n".join(names)
    if joined.count("\n") != len(names) - 1:  # a name with a newline: key them one by one
        return sorted(names, key=natural_key)
    keys = _DIGITS.sub(_pad, joined).replace(".", "\x00").split("\n")
    return [names[i] for i in sorted(range(len(names)), key=keys.__getitem__)]


def infer_class(module: str, params: dict[str, tuple[int, ...]], *, any_conv2d: bool, hf_model_type: str = "") -> str:
    """Best guess of the torch class of `module` from its own tensors' names and shapes ("" if none)."""
    leaf = module.rpartition(".")[2]
    w = params.get("weight") or params.get("weight_orig") or params.get("weight_v")
    if w is None:
        if "in_proj_weight" in params:
            return "MultiheadAttention"
        if not params and _DROP.search(leaf):
            return "Dropout"
        return ""
    nd = len(w)
    if nd == 2:
        if hf_model_type in _HF_CONV1D_TYPES and leaf in _HF_CONV1D_LEAVES:
            return "Conv1D"
        if _EMBED.search(leaf) and "bias" not in params:
            return "Embedding"
        return "Linear"
    if nd == 4:
        return "Conv2d"
    if nd == 3:
        return "Conv1d"
    if nd == 5:
        return "Conv3d"
    if nd == 1:
        if "running_mean" in params or "running_var" in params:
            return "BatchNorm2d" if any_conv2d else "BatchNorm1d"
        if "rms" in leaf.lower():
            return "RMSNorm"
        if "group" in leaf.lower() or leaf.lower() == "gn":
            return "GroupNorm"
        if _NORM.search(leaf) or "bias" in params:
            # a 1-D weight with a bias and no running statistics is almost always a LayerNorm
            return "LayerNorm"
        return ""
    return ""


def layers_from_tensors(
    tensors: list[Tensor],
    *,
    module_order: list[str] | None = None,
    hf_model_type: str = "",
    natural_order: bool = False,
    dtype_name=None,
) -> list[LayerInfo]:
    """One LayerInfo per module owning a tensor (plus the weightless modules of `module_order`).

    Order: `module_order` when the file recorded it (torch `_metadata`), else first appearance
    of each module in `tensors` (or, with `natural_order`, a natural sort of module names).
    `tensors` need `.name`, `.shape` and `.dtype`; `dtype_name` maps a file's own dtype names
    (safetensors' "F32") to numpy's, so a header's tensors can be passed as they are.
    """
    # Hot on big checkpoints (10,000 modules within the 100 ms budget): plain loops, and the
    # class and parameter filter worked out once per module signature, not once per module.
    owned: dict[str, dict[str, Tensor]] = {}
    get = owned.get
    for t in tensors:
        name = t.name
        mod, _, leaf = name.rpartition(".")
        if "parametrizations" in mod:
            mod, leaf = split_name(name)
        d = get(mod)
        if d is None:
            owned[mod] = {leaf: t}
        else:
            d[leaf] = t
    any_conv2d = any(len(t.shape) == 4 and t.name.endswith("weight") for t in tensors)
    names = list(owned)
    if natural_order:
        # the file did not record registration order: put parents before children and
        # 'layer.2' before 'layer.10', the best guess available
        names = natural_sorted(names)
    if module_order is not None:
        known = set(module_order)
        # root "" is listed by _metadata but is a module INC can select only if it owns a weight
        names = [n for n in module_order if n or n in owned] + [n for n in owned if n not in known]
    # (module's last name, its tensors' leaves, weight rank) -> (class, no buffers among them):
    # infer_class reads nothing else, and a model repeats a handful of such signatures
    memo: dict[tuple, tuple[str, bool]] = {}
    dtypes: dict[str, str] = {}
    out: list[LayerInfo] = []
    append = out.append
    for mod in dict.fromkeys(names):
        ts = get(mod) or {}
        w = ts.get("weight") or ts.get("weight_orig") or ts.get("weight_v")
        key = (mod.rpartition(".")[2], tuple(ts), -1 if w is None else len(w.shape))
        sig = memo.get(key)
        if sig is None:
            shapes = {leaf: t.shape for leaf, t in ts.items()}
            cls = infer_class(mod, shapes, any_conv2d=any_conv2d, hf_model_type=hf_model_type)
            sig = memo[key] = (cls, _BUFFERS.isdisjoint(ts))
        cls, no_buffers = sig
        if no_buffers:
            params = tuple(map(_tensor_name, ts.values()))
        else:
            params = tuple(t.name for leaf, t in ts.items() if leaf not in _BUFFERS)
        if w is None:
            append(LayerInfo(mod, cls, True, None, (), "", 0, params))
            continue
        if cls and ".parametrizations." in w.name:
            cls = f"Parametrized{cls}"  # torch.nn.utils.parametrize renames the class
        dtype = w.dtype
        if dtype_name is not None:
            dtype = dtypes.get(dtype) or dtypes.setdefault(dtype, dtype_name(dtype))
        shape = tuple(w.shape)
        append(LayerInfo(mod, cls, True, w.name, shape, dtype, prod(shape), params))
    return out
