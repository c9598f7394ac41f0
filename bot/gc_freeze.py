"""What the bot holds once it has started (modules, aiogram's and pydantic's models, Fluent
bundles) lives as long as the process, so the garbage collector is told to leave it alone:
a full collection then walks only what came later, instead of stalling every update in
flight while it walks the whole start-up heap again.
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
