"""lock_init_sparsity in WeightPruningConfig: PL043 where INC's pruners read it, PL078 where INC drops it.

INC 2.6 itself decides each case: the config is built and handed to prepare_pruning on a small model,
and each pruner's config is asked for `lock_init_sparsity` (None: dropped).
"""

from __future__ import annotations

import json
import subprocess
import textwrap

import pytest

import oracle
from analysis.python_config import check_python_text

CASES = {  # the WeightPruningConfig arguments, as a script writes them
    "global, pruning_configs left at its default": "lock_init_sparsity=True, end_step=5",
    "global, pruning_configs with an entry": "[{'op_names': ['fc1']}], lock_init_sparsity=True, end_step=5",
    "global, pruning_configs empty": "[], lock_init_sparsity=True, end_step=5",
    "in the entry": "[{'lock_init_sparsity': True}], end_step=5",
}

_INC_SCRIPT = textwrap.dedent("""
    import json, logging, sys, torch
    logging.disable(logging.WARNING)
    from neural_compressor.training import WeightPruningConfig, prepare_pruning

    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2, self.head = torch.nn.Linear(16, 16), torch.nn.Linear(16, 16), torch.nn.Linear(16, 2)

    out = {}
    for name, args in json.loads(sys.argv[1]).items():
        model = M()
        config = eval(f"WeightPruningConfig({args}, excluded_op_names=[])")
        pruning = prepare_pruning(model, config, torch.optim.SGD(model.parameters(), lr=0.1))
        out[name] = [bool(p.config.get("lock_init_sparsity")) for p in pruning.pruners]
    print(json.dumps(out))
""")


@pytest.fixture(scope="module")
def inc_reads():
    python, why = oracle.inc_python()
    if python is None:
        pytest.skip(why)
    proc = subprocess.run([str(python), "-c", _INC_SCRIPT, json.dumps(CASES)], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _codes(args: str) -> set[str]:
    text = f"from neural_compressor.training import WeightPruningConfig\nc = WeightPruningConfig({args}, excluded_op_names=[])\n"
    return {d.code for d in check_python_text(text, "t.py").diagnostics}


@pytest.mark.oracle
@pytest.mark.parametrize("case", sorted(CASES))
def test_we_say_dropped_exactly_where_inc_drops_it(inc_reads, case):
    read = inc_reads[case]
    assert read and len(set(read)) == 1  # every pruner the same
    codes = _codes(CASES[case]) & {"PL043", "PL078"}
    assert codes == ({"PL043"} if read[0] else {"PL078"}), (case, read, codes)


def test_both_verdicts_occur():  # not vacuous without INC: the cases split between the two codes
    assert {c for args in CASES.values() for c in _codes(args) & {"PL043", "PL078"}} == {"PL043", "PL078"}
