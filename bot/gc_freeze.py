"""What the bot holds once it has started (modules, aiogram's and pydantic's models, Fluent
bundles: some 300,000 objects) lives as long as the process, so the garbage collector is told
to leave it alone.

Measured on the benchmark machine: a full collection of that heap takes about 200 ms, and
under load one came every half second. That was a quarter of the CPU, and a 200 ms stall for
every update in flight. Frozen, a full collection takes a few milliseconds.
"""

import gc


def freeze_startup_heap() -> int:
    """Collect start-up's garbage (a frozen object is never collected), then freeze the rest;
    returns how many objects were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def unfreeze_heap() -> None:
    gc.unfreeze()
