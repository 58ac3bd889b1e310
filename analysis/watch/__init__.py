"""Follow a training run's output folder: find checkpoints (discover.py), wait until each is
completely written (complete.py), measure it reusing the counts of tensors that did not change
(reuse.py, through analysis.sparsity.report.build_report), compare with INC's schedule at its step
(compare.py). follow.py ties them into a poll loop that the CLI (`prune-lsp watch`) drives.
No torch import here; the sparsity backends load it lazily when a device needs it.
"""
