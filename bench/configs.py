"""Synthetic but realistic pruning configs of a given size, shared by the benchmarks."""

from __future__ import annotations


def v2_config(lines: int) -> str:
    """A dialect-B config of about `lines` lines: a global section and as many pruners as fit."""
    head = [
        "# prune-lsp: model=model.safetensors",
        "model: {name: bench, framework: pytorch}",
        "pruning:",
        "  approach:",
        "    weight_compression_v2:",
        "      target_sparsity: 0.8",
        "      start_step: 0",
        "      end_step: 1000",
        "      pruning_frequency: 50",
        "      excluded_op_names: ['classifier', 'pooler']",
        "      sparsity_decay_type: cos",
        "      pruners:",
    ]
    out = list(head)
    i = 0
    while len(out) + 9 <= lines:
        pattern = ('"2:4"', '"4x1"', '"channelx1"', '"1x1"')[i % 4]
        target = "0.5" if i % 4 == 0 else "0.7"
        out += [
            "        - !PrunerV2",
            f"            op_names: ['bert\\.encoder\\.layer\\.{i % 24}\\.attention\\.self\\.(query|key)']  # layer {i}",
            f"            pattern: {pattern}",
            "            pruning_type: magnitude",
            f"            target_sparsity: {target}",
            "            pruning_scope: local",
            f"            start_step: {i % 10}",
            "            criterion_reduce_type: mean",
            "            parameters: {reg_coeff: 0.0}",
        ]
        i += 1
    while len(out) < lines:
        out.append("      # padding comment")
    return "\n".join(out) + "\n"


def many_pruners(n: int = 21_000) -> str:
    """A dialect-B config of `n` short pruners (21,000 is about 1.9 MB, just under the 2 MB limit), each
    with two warnings (an unknown key, PL031; an N:M pattern INC logs as 0, PL041): a generated config's
    flood of identical findings."""
    head = ("model: {name: bench, framework: pytorch}\npruning:\n  approach:\n    weight_compression_v2:\n"
            "      target_sparsity: 0.25\n      start_step: 0\n      end_step: 1000\n      pruners:\n")
    body = "".join(f"      - !PrunerV2\n        op_names: [l{i}]\n        prune_freq: 5\n        pattern: '1:4'\n"
                   for i in range(n))
    return head + body


def distinct_pruners(n: int = 20_000) -> str:
    """A dialect-B config of `n` pruners no two alike (each its own target_sparsity, as a per-layer
    sensitivity analysis writes them; 20,000 is about 2 MB), each with one finding (an unknown key,
    PL031): checking by kind cannot shorten it, though the checks that never read a target run once
    (rules/pruner_kinds.py never_reads). distinct_steps_pruners varies what those read too."""
    head = ("model: {name: bench, framework: pytorch}\npruning:\n  approach:\n    weight_compression_v2:\n"
            "      target_sparsity: 0.25\n      start_step: 0\n      end_step: 1000\n      pruners:\n")
    body = "".join(f"      - !PrunerV2\n        op_names: [l{i}]\n        prune_freq: 5\n"
                   f"        target_sparsity: {0.3 + i / 100_000:.5f}\n" for i in range(n))
    return head + body


def distinct_steps_pruners(n: int = 13_300) -> str:
    """Like distinct_pruners, each pruner also with its own start_step and end_step (what the steps,
    type and schedule checks read): no check can share its work between two pruners; about 2 MB."""
    head = ("model: {name: bench, framework: pytorch}\npruning:\n  approach:\n    weight_compression_v2:\n"
            "      target_sparsity: 0.25\n      pruners:\n")
    body = "".join(f"      - !PrunerV2\n        op_names: [l{i}]\n        prune_freq: 5\n"
                   f"        target_sparsity: {0.3 + i / 100_000:.5f}\n        start_step: {i}\n"
                   f"        end_step: {i + 1000}\n" for i in range(n))
    return head + body
