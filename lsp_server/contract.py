"""The contract between the server and the VS Code extension, written once, here, as Python types.

Every custom message the extension reads is typed below: the `prune-lsp/modelInfo` answer, the
`prune-lsp/modelStatus` notification, the `prune-lsp.watchRun` answer and its
`prune-lsp/watchPoint` notifications (a `prune-lsp watch --format jsonl` line each), and the
`prune-lsp.computeSparsity` result (the object of
`prune-lsp sparsity --format json`, analysis.sparsity.report). From these types come

  - a JSON Schema, vscode-client/src/generated/contract.schema.json, which the extension checks
    every answer against before it shows it, and tests check the real CLI's and server's output
    against (tests/lsp/test_contract.py);
  - TypeScript types, vscode-client/src/generated/contract.ts, that the extension's code uses.

`python -m lsp_server.contract` rewrites both; a test fails while they are not current.
Objects allow keys not listed here (additionalProperties is left open): a field added on the
Python side (say, a per-layer unread flag) reaches the extension, which shows keys it does not
know generically, so an additive change never breaks an older extension.

This module is imported by the generator and the tests only, never on the server's start path.
"""

from __future__ import annotations

import json
import sys
import typing
from pathlib import Path
from typing import Any, List, Literal, Optional, TypedDict, Union

MODEL_INFO = "prune-lsp/modelInfo"
MODEL_STATUS = "prune-lsp/modelStatus"
COMPUTE_SPARSITY = "prune-lsp.computeSparsity"
# ClientCapabilities.experimental key by which a client asks for MODEL_STATUS notifications.
EXPERIMENTAL_CAPABILITY = "pruneLspModelStatus"
WATCH_RUN = "prune-lsp.watchRun"
STOP_WATCH = "prune-lsp.stopWatch"
WATCH_POINT = "prune-lsp/watchPoint"
# ClientCapabilities.experimental key by which a client asks for WATCH_POINT notifications.
WATCH_CAPABILITY = "pruneLspWatch"

# -- prune-lsp/modelInfo and prune-lsp/modelStatus ------------------------------------------------


class _ModelInfoBase(TypedDict):
    model: Optional[str]
    """Absolute path of the model the config refers to; null when it names none."""


class ModelInfo(_ModelInfoBase, total=False):
    """`prune-lsp/modelInfo` {uri} -> this."""

    source: Literal["modeline", "setting", "cli"]
    status: Literal["loading", "ok", "error"]
    error: str
    layers: int
    framework: str


class _ModelStatusBase(ModelInfo):
    uri: str


class ModelStatus(_ModelStatusBase):
    """`prune-lsp/modelStatus`, server -> client: a document's ModelInfo, sent after the document
    is checked (didOpen, an edit of its modeline) and when its model loads or fails, whenever
    it differs from the last one sent for that document."""


# -- prune-lsp.computeSparsity / `prune-lsp sparsity --format json` -------------------------------


# A figure or count is null where it would need a weight that could not be read (never a guess).
Figure = Optional[float]
Count = Optional[int]


class IncThree(TypedDict):
    """The three figures of INC's get_sparsity_ratio, in its order; null where not measured."""

    elementwise_over_matmul_gemm_conv: Figure
    elementwise_over_all: Figure
    blockwise_over_matmul_gemm_conv: Figure


class _IncFiguresBase(IncThree):
    element_zeros: Count
    pattern_zeros: Count
    matmul_gemm_conv_weights: int
    all_parameters: int


class IncFigures(_IncFiguresBase, total=False):
    pattern_ratio: Optional[float]
    """Per pruner: INC's pattern ratio; null where INC would raise (ZeroDivisionError)."""


class SelectedFigures(IncThree):
    """The same three figures, true and over the selected layers only."""

    element_zeros: Count
    pattern_zeros: Count
    selected_weights: int
    all_parameters: int


class ModelFigures(TypedDict):
    elementwise_over_matmul_gemm_conv: Figure
    elementwise_over_all: Figure
    matmul_gemm_conv_weights: int
    all_parameters: int


class Figures(TypedDict):
    inc: IncFigures
    selected: SelectedFigures
    model: ModelFigures


class _PrunerReportBase(TypedDict):
    index: Optional[int]
    """0-based position in the config's pruners; null for INC's default pruner (no config)."""
    label: str
    pattern: str
    pruning_type: str
    target_sparsity: Optional[Union[float, int, str]]
    layers: List[str]
    invalid_layers: List[str]
    inc: IncFigures
    selected: SelectedFigures


class PrunerReport(_PrunerReportBase, total=False):
    scheduled: Optional[float]
    """Server only, with the report's `step`: the ratio INC's schedule expects after that step
    (what the sparsity lens shows); null when the schedule is unknown (a lock pruner, an error)."""
    schedule_unit: str
    """"step" ("epoch" for the 1.x dialect that prunes per epoch)."""


class _LayerRowBase(TypedDict):
    name: str
    class_name: str
    class_inferred: bool
    tensor: Optional[str]
    shape: List[int]
    dtype: str
    zeros: Count
    size: int
    nan: Count
    element_sparsity: Figure
    in_matmul_gemm_conv: bool
    pruner: Optional[str]
    pruner_index: Optional[int]
    target_sparsity: Optional[Union[float, int, str]]
    pattern: Optional[str]
    block_sparsity: Optional[float]
    blocks: Optional[int]
    zero_blocks: Optional[int]
    invalid_reason: Optional[str]
    error: Optional[str]
    """Why the weight could not be read; its counts are then not measured figures."""


class LayerRow(_LayerRowBase, total=False):
    read: bool
    """False: the weight could not be read; zeros, nan and the sparsities are null."""


class _TotalsBase(TypedDict):
    parameters: int
    zeros: int
    nan: int
    element_sparsity: Figure
    tensors_counted: int
    bytes_counted: int


class Totals(_TotalsBase, total=False):
    complete: bool
    unread_tensors: int
    unread_parameters: int
    unread_layers: List[str]


class Note(TypedDict):
    code: str
    message: str


class _SparsityReportBase(TypedDict):

    version: int
    model: str
    framework: str
    device: str
    backend: str
    config: str
    inc: IncThree
    selected: IncThree
    figures: Figures
    pruners: List[PrunerReport]
    layers: List[LayerRow]
    totals: Totals
    notes: List[Note]


class SparsityReport(_SparsityReportBase, total=False):
    """`prune-lsp.computeSparsity` result == `prune-lsp sparsity --format json`."""

    unread_selected: List[str]
    """Selected layers whose weight could not be read (the CLI exits 2 when not empty)."""
    figures_unread: List[str]
    """The overall figures left null because a weight they need was not read."""
    step: int
    """Server only: the training step the checkpoint was saved at, when it says (a Hugging Face
    checkpoint's trainer_state.json, a step in its name); each pruner then has `scheduled`."""


# -- prune-lsp.watchRun / prune-lsp/watchPoint / `prune-lsp watch --format jsonl` ----------------


class WatchPruner(TypedDict):
    """One pruner of a measured checkpoint against INC's schedule at its step."""

    index: int
    """1-based, in the order of the config's pruners (WatchSchedulePruner.index)."""
    measured: Figure
    scheduled: Figure
    """The ratio INC's schedule expects after the checkpoint's step; null when unknown."""
    scheduled_low: Figure
    flags: List[str]
    """Where measured and scheduled diverge (not pruning, behind, above target, dense layers)."""


class WatchTensors(TypedDict):
    counted: int
    reused: int


class Inc1xFigures(TypedDict):
    total_sparsity: Figure
    """INC 1.x's own figure, PyTorchModel.report_sparsity()'s total (zeros over all parameters) as a ratio."""


class _WatchPointBase(TypedDict):
    path: str
    """The checkpoint, relative to the run folder."""
    step: Optional[int]
    epoch: Optional[float]
    """INC 1.x config (schedule unit "epoch"): epochs done when the checkpoint was written (a float,
    trainer_state.json's or step / steps per epoch): where the point sits on the schedule's axis;
    null when unknown (then nothing is compared, and `notes` says so) and for INC 2.x configs."""
    inc: Optional[IncThree]
    """INC 2.x's get_sparsity_ratio figures; null for an INC 1.x config (inc_1x instead)."""
    pruners: List[WatchPruner]
    error: Optional[str]
    seconds: float
    tensors: WatchTensors
    notes: List[str]
    """About this checkpoint (INC 1.x: "epoch unknown: ..." when nothing places it in epochs)."""


class WatchPoint(_WatchPointBase, total=False):
    """One line of `prune-lsp watch --format jsonl`: one measured checkpoint. Its place on the
    schedule's axis: `step` for INC 2.x configs, `epoch` for INC 1.x ones (unit "epoch")."""

    epoch_source: Optional[str]
    """INC 1.x only: where `epoch` came from ("trainer_state.json", "pruning.train.iteration",
    "--steps-per-epoch"); null when unknown."""
    inc_1x: Optional[Inc1xFigures]
    """INC 1.x only: INC 1.x's own figure; null when the checkpoint could not be measured."""


class WatchPointMessage(WatchPoint):
    """`prune-lsp/watchPoint`, server -> client (experimental capability pruneLspWatch): a
    WatchPoint of the watch started by `prune-lsp.watchRun`."""

    watchId: str


class WatchSchedulePruner(TypedDict):
    """One pruner of `prune-lsp schedule --format json` (more keys than listed: its updates)."""

    index: int
    label: str
    unit: str
    """"step" ("epoch" for the 1.x dialect that prunes per epoch)."""
    mode: str
    start: Optional[int]
    end: Optional[int]
    target_sparsity: Optional[float]
    targets: List[List[float]]
    """[step, ratio] at each step where INC updates the masks: the curve the points lie on. With
    unit "epoch" (INC 1.x) [epoch, ratio]: the masks computed as that epoch begins, so the same step
    line drawn over epochs done is the curve the points' `epoch` lie on."""
    error: Optional[str]


class WatchStarted(TypedDict):
    """`prune-lsp.watchRun` [{runDir, uri?, device?, poll?}] -> this; stop with `prune-lsp.stopWatch`
    [{watchId}]."""

    watchId: str
    runDir: str
    config: Optional[str]
    schedule: List[WatchSchedulePruner]
    notes: List[str]


ROOTS = {"ModelInfo": ModelInfo, "ModelStatus": ModelStatus, "SparsityReport": SparsityReport,
         "WatchPoint": WatchPoint, "WatchPointMessage": WatchPointMessage, "WatchStarted": WatchStarted}

# -- JSON Schema from the types ------------------------------------------------------------------


def _is_typeddict(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, dict) and hasattr(t, "__required_keys__")


def _schema_of(t: Any, defs: dict) -> dict:
    origin = typing.get_origin(t)
    if t is type(None):
        return {"type": "null"}
    if t is str:
        return {"type": "string"}
    if t is bool:
        return {"type": "boolean"}
    if t is int:
        return {"type": "integer"}
    if t is float:
        return {"type": "number"}
    if origin is Literal:
        return {"enum": list(typing.get_args(t))}
    if origin in (list, List):
        (item,) = typing.get_args(t)
        return {"type": "array", "items": _schema_of(item, defs)}
    if origin is Union:
        return {"anyOf": [_schema_of(a, defs) for a in typing.get_args(t)]}
    if _is_typeddict(t):
        name = t.__name__
        if name not in defs:
            defs[name] = {}  # placeholder: recursion
            hints = typing.get_type_hints(t)
            doc = (t.__doc__ or "").strip()
            d: dict = {"type": "object"}
            if doc and not doc.startswith(name + "("):
                d["description"] = " ".join(doc.split())
            d["properties"] = {k: _schema_of(v, defs) for k, v in hints.items()}
            d["required"] = [k for k in hints if k in t.__required_keys__]
            defs[name] = d
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no JSON Schema for {t!r}")


def json_schema() -> dict:
    defs: dict = {}
    for t in ROOTS.values():
        _schema_of(t, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://prune-lsp/contract.schema.json",
        "title": "prune-lsp server <-> VS Code extension contract (generated by lsp_server/contract.py)",
        "methods": {MODEL_INFO: "ModelInfo", MODEL_STATUS: "ModelStatus", COMPUTE_SPARSITY: "SparsityReport",
                    WATCH_RUN: "WatchStarted", WATCH_POINT: "WatchPointMessage"},
        "$defs": dict(sorted(defs.items())),
    }


def schema_for(name: str) -> dict:
    """A self-contained schema of one root type (for jsonschema.validate)."""
    s = json_schema()
    return {"$schema": s["$schema"], "$defs": s["$defs"], "$ref": f"#/$defs/{name}"}


# -- TypeScript from the schema ------------------------------------------------------------------


def _ts(s: dict) -> str:
    if "$ref" in s:
        return s["$ref"].rsplit("/", 1)[1]
    if "enum" in s:
        return " | ".join(json.dumps(v) for v in s["enum"])
    if "anyOf" in s:
        return " | ".join(dict.fromkeys(_ts(a) for a in s["anyOf"]))
    t = s.get("type")
    if t == "array":
        inner = _ts(s["items"])
        return f"({inner})[]" if "|" in inner else f"{inner}[]"
    return {"string": "string", "integer": "number", "number": "number", "boolean": "boolean",
            "null": "null"}[t]


def typescript(schema: dict) -> str:
    out = ["// GENERATED by `python -m lsp_server.contract` from lsp_server/contract.py: do not edit.",
           "// The server's custom messages as the extension reads them; contract.schema.json beside this",
           "// file is checked against every answer at run time (src/contract.ts). Objects may carry",
           "// more keys than listed (fields added on the Python side): they are typed as optional extras.",
           ""]
    out.append(f"export const MODEL_INFO = {json.dumps(MODEL_INFO)};")
    out.append(f"export const MODEL_STATUS = {json.dumps(MODEL_STATUS)};")
    out.append(f"export const COMPUTE_SPARSITY = {json.dumps(COMPUTE_SPARSITY)};")
    out.append(f"export const EXPERIMENTAL_CAPABILITY = {json.dumps(EXPERIMENTAL_CAPABILITY)};")
    for name in ("WATCH_RUN", "STOP_WATCH", "WATCH_POINT", "WATCH_CAPABILITY"):
        out.append(f"export const {name} = {json.dumps(globals()[name])};")
    out.append("")
    for name, d in schema["$defs"].items():
        if d.get("description"):
            out.append(f"/** {d['description']} */")
        out.append(f"export interface {name} {{")
        for key, prop in d["properties"].items():
            opt = "" if key in d["required"] else "?"
            out.append(f"  {key}{opt}: {_ts(prop)};")
        out.append("  [extra: string]: unknown;")
        out.append("}")
        out.append("")
    return "\n".join(out)


GENERATED = Path(__file__).resolve().parent.parent / "vscode-client" / "src" / "generated"


def generated_files() -> dict[Path, str]:
    schema = json_schema()
    return {
        GENERATED / "contract.schema.json": json.dumps(schema, indent=2) + "\n",
        GENERATED / "contract.ts": typescript(schema),
    }


def main(argv: Optional[list] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    stale = []
    for path, text in generated_files().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(path)
            if "--check" not in argv:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    if "--check" in argv and stale:
        print("stale: " + ", ".join(str(p) for p in stale) + " (run python -m lsp_server.contract)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
