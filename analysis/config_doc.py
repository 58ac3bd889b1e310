"""Find the pruning config in a YAML document: its dialect, global section and pruner entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .schema import DIALECTS, DialectSchema
from .schema.keys_v2 import DEFAULT_CONFIG_KEYS
from .yaml_parse import Document
from .yaml_tree import Mapping, Node, Pair, Sequence

CONTAINERS = {"weight_compression_v2": "B", "weight_compression_pytorch": "C", "weight_compression": "D"}
_E_MARKERS = {"magnitude", "init_sparsity", "frequency", "start_epoch", "end_epoch"}
# Keys whose presence at the top of a plain mapping says "WeightPruningConfig arguments" (dialect A).
_A_STRONG = {"pruning_configs"}
_A_KEYS = set(DEFAULT_CONFIG_KEYS) - {"parameters", "reg_coeff", "op_names"}


@dataclass
class PrunerEntry:
    index: int
    node: Node  # the list item as written
    tag: str

    @property
    def mapping(self) -> Optional[Mapping]:
        return self.node if isinstance(self.node, Mapping) else None


@dataclass
class ConfigDoc:
    dialect: DialectSchema
    document: Document
    root: Mapping
    container: Optional[Pair] = None  # e.g. the `weight_compression_v2:` pair (None for dialect A)
    pruners_pair: Optional[Pair] = None
    pruners: list[PrunerEntry] = field(default_factory=list)
    unrecognised: Optional[str] = None  # set when `pruning:` is there but no known dialect

    @property
    def globals(self) -> Optional[Mapping]:
        if self.dialect.id == "A":
            return self.root
        if self.container is not None and isinstance(self.container.value, Mapping):
            return self.container.value
        return None


def detect(document: Document) -> Optional[ConfigDoc]:
    """The pruning config in this document, or None when it holds none (most YAML files)."""
    root = document.root
    if not isinstance(root, Mapping):
        return None
    pruning = root.get("pruning")
    if pruning is not None:
        return _detect_yaml_dialect(document, root, pruning)
    names = {k for k in root.keys() if isinstance(k, str)}
    if names & _A_STRONG or len(names & _A_KEYS) >= 2:
        doc = ConfigDoc(DIALECTS["A"], document, root)
        _collect_pruners(doc, root.get_pair("pruning_configs"))
        return doc
    return None


def _detect_yaml_dialect(document: Document, root: Mapping, pruning: Node) -> Optional[ConfigDoc]:
    if not isinstance(pruning, Mapping):
        return None
    approach = pruning.get("approach")
    if isinstance(approach, Mapping):
        for key in ("weight_compression_v2", "weight_compression_pytorch", "weight_compression"):
            pair = approach.get_pair(key)
            if pair is not None:
                doc = ConfigDoc(DIALECTS[CONTAINERS[key]], document, root, container=pair)
                if isinstance(pair.value, Mapping):
                    _collect_pruners(doc, pair.value.get_pair("pruners"))
                return doc
        doc = ConfigDoc(DIALECTS["B"], document, root)
        doc.unrecognised = ("`pruning.approach` has none of weight_compression_v2 (INC 2.x), "
                            "weight_compression_pytorch or weight_compression (INC 1.x)")
        return doc
    keys = {k for k in pruning.keys() if isinstance(k, str)}
    if keys & _E_MARKERS:
        return ConfigDoc(DIALECTS["E"], document, root)
    if "train" in keys or "approach" in keys:
        doc = ConfigDoc(DIALECTS["D"], document, root)
        doc.unrecognised = "`pruning` has no `approach` section with a pruning method"
        return doc
    return None


def _collect_pruners(doc: ConfigDoc, pair: Optional[Pair]) -> None:
    doc.pruners_pair = pair
    if pair is None or not isinstance(pair.value, Sequence):
        return
    for i, item in enumerate(pair.value.items):
        doc.pruners.append(PrunerEntry(i, item, item.tag))


def path_value(root: Node, *path: str) -> Optional[Node]:
    node: Optional[Node] = root
    for p in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(p)
    return node
