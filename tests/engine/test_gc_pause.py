import gc
import threading

from analysis.engine import check_text
from analysis.gc_pause import gc_paused


def test_collector_is_restored_after_nested_and_concurrent_checks():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # still inside the outer pause
    assert gc.isenabled()
    text = "pruning:\n  approach:\n    weight_compression_v2:\n      pattern: 2:4\n      pruners: []\n"
    threads = [threading.Thread(target=check_text, args=(text,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled():
    gc.disable()
    try:
        check_text("pruning:\n  approach:\n    weight_compression_v2: {pruners: []}\n")
        assert not gc.isenabled()
    finally:
        gc.enable()
