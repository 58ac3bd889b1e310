"""INC's pruning patterns and the 2-D matrix INC reshapes each weight to before blocking.

INC (patterns/nxm.py, ninm.py) reads a pattern as `text.split("_")[-1]`; "x" makes it NxM (N
along output channels = rows, M along input = columns, "channel" = the full ORIGINAL dim), ":"
makes it N:M (N pruned in every M consecutive weights along the columns), "mha" head pruning.
Weights become a 2-D [rows, cols] matrix: 4-D [cout,cin,kh,kw] permuted (0,2,3,1) to
[cout, kh*kw*cin], 3-D [cout,cin,k] permuted (0,2,1) to [cout, k*cin], 1-D to [-1, 8].

Keras weights are blocked as INC's Keras pattern blocks them (keras_geometry): Dense [in, out]
as stored, Conv2D [kh,kw,cin,cout] through torch's permutation (0,2,3,1) to [kh, cin*cout*kw].
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

FLATTEN_DIM2 = 8  # INC utils.FLATTEN_DIM2: 1-D params are viewed as [-1, 8]


@dataclass(frozen=True)
class Pattern:
    text: str
    kind: str  # "nxm" | "nm" | "mha"
    n: int | str = 1  # int, or "channel" for NxM
    m: int | str = 1

    @property
    def is_block(self) -> bool:
        return self.kind in ("nxm", "nm")


def parse_pattern(text: str) -> Pattern:
    """INC's own reading of a pattern string, from the one grammar the rules use too
    (analysis/schema/patterns.py: check_config's and get_pattern's tests). ValueError when INC
    would reject it."""
    from ..schema.patterns import parse_pattern as inc_grammar

    p = inc_grammar(str(text))
    if p.problems or p.kind == "unknown":
        raise ValueError(f"not an INC pruning pattern: {text!r}")
    if p.kind == "mha":
        return Pattern(str(text), "mha")
    return Pattern(str(text), p.kind, p.n, p.m)


@dataclass(frozen=True)
class Geometry:
    """How a stored tensor maps onto INC's 2-D matrix [rows, cols]: the stored bytes are
    row-major over INC rows; when `permute` is set, each stored row is [torch_shape[1],
    *torch_shape[2:]] (torch: [cin, *spatial]) and its first axis moves last for
    column-dependent metrics (INC's permute (0, 2, 3, 1))."""

    stored_shape: tuple[int, ...]
    torch_shape: tuple[int, ...]
    rows: int
    cols: int
    permute: bool = False
    error: str | None = None  # INC cannot reshape this weight at all
    keras: bool = False  # a Keras weight: INC's Keras pattern (NxM only, no channel blocks)

    @property
    def size(self) -> int:
        return prod(self.stored_shape)


def torch_geometry(shape) -> Geometry:
    shape = tuple(int(d) for d in shape)
    size = prod(shape)
    if len(shape) == 2:
        return Geometry(shape, shape, shape[0], shape[1])
    if len(shape) in (3, 4):
        return Geometry(shape, shape, shape[0], size // shape[0] if shape[0] else 0, permute=True)
    if len(shape) == 1:
        if size % FLATTEN_DIM2:
            return Geometry(shape, shape, 0, 0,
                            error=f"INC reshapes 1-D weights to [-1, {FLATTEN_DIM2}]; {size} does not divide")
        return Geometry(shape, shape, size // FLATTEN_DIM2, FLATTEN_DIM2)
    return Geometry(shape, shape, 0, 0,
                    error=f"INC supports only 1-, 2-, 3- and 4-D weights, not {len(shape)}-D")


def keras_geometry(shape, class_name: str = "") -> Geometry:
    """A Keras layer's weight as INC 2.6's Keras pattern (nxm.py KerasPatternNxM) blocks it: the
    array as stored, 4-D kernels `np.transpose(w, (0, 2, 3, 1)).reshape(shape[0], -1)` (torch's
    OIHW permutation applied to Keras' HWIO: rows = kernel height), 2-D as is (Dense [in, out]:
    rows = inputs, so "4x1" spans 4 inputs of one output unit). INC reshapes nothing else: 1-D
    weights fail its validity check and 3-/5-D kernels its reshape, so they carry an error."""
    shape = tuple(int(d) for d in shape)
    size = prod(shape)
    if len(shape) == 2:
        return Geometry(shape, shape, shape[0], shape[1], keras=True)
    if len(shape) == 4:
        # each stored row (one kernel row) is [kw, cin*cout]; INC's columns run (cin, cout, kw):
        # the row's first axis moves last, as torch's cin does (_to_inc_columns)
        return Geometry(shape, (shape[0], shape[1], shape[2] * shape[3]), shape[0],
                        size // shape[0] if shape[0] else 0, permute=True, keras=True)
    return Geometry(shape, shape, 0, 0, keras=True,
                    error=f"INC's Keras pattern blocks only 2-D and 4-D weights, not {len(shape)}-D (it raises)")


@dataclass(frozen=True)
class Block:
    """A pattern resolved for one weight: NxM block [bn rows, bm cols], or N:M groups of m."""

    kind: str  # "nxm" | "nm"
    bn: int
    bm: int
    n_pruned: int = 0  # N of N:M

    @property
    def area(self) -> int:
        return self.bn * self.bm


def resolve_block(pattern: Pattern, geom: Geometry) -> tuple[Block | None, str | None]:
    """The block for this weight, or (None, reason) when INC would list the layer in
    `invalid_layers` (never masked) or could not handle it."""
    if not pattern.is_block:
        return None, "not a block pattern"
    if geom.error:
        return None, geom.error
    if geom.keras and pattern.kind == "nm":
        return None, f"INC has no N:M pattern for Keras ({pattern.text}: get_pattern raises)"
    if geom.keras and "channel" in (pattern.n, pattern.m):
        return None, (f"INC's Keras pattern sizes {pattern.text} blocks from `layer.shape`, which Keras "
                      "layers do not have (it raises)")
    if pattern.kind == "nm":
        if geom.cols % pattern.m:
            return None, f"shape [{geom.rows}, {geom.cols}] cannot be divided by {pattern.text}"
        return Block("nm", 1, pattern.m, pattern.n), None
    ts = geom.torch_shape
    if pattern.n == "channel":
        bn = ts[0]
    else:
        bn = pattern.n
    if pattern.m == "channel":
        if len(ts) < 2:
            return None, "channel block on a 1-D weight (INC would fail)"
        bm = ts[1]  # INC takes the ORIGINAL dim 1 (cin for a conv), not the 2-D cols
    else:
        bm = pattern.m
    if bn <= 0 or bm <= 0 or geom.rows % bn or geom.cols % bm:
        return None, f"shape [{geom.rows}, {geom.cols}] cannot be divided by {pattern.text}"
    return Block("nxm", int(bn), int(bm)), None


def block_rows(geom: Geometry, block: Block) -> tuple[int, int, int]:
    """How a blocked tensor is walked: (number of stored rows, elements per stored row, stored rows
    per block group)."""
    return geom.rows, geom.cols, (block.bn if block.kind == "nxm" else 1)
