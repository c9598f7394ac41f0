"""What the bot holds once it has started (modules, aiogram's and pydantic's models, Fluent
bundles) lives as long as the process, so the garbage collector is told to leave it alone:
a full collection then walks only what came later, instead of stalling every update in
flight while it walks the whole start-up heap again.

Young objects are collected far less often than Python's default: what a young collection
walks is mostly the updates in flight (their coroutines, tasks and requests, alive and
referring into the whole heap), whatever the threshold, so its cost is paid per collection,
and an update leaves only a few objects behind for good.
"""

import gc

YOUNG_OBJECTS = 50_000  # Python's default is 700; the older generations keep theirs


def freeze_startup_heap() -> int:
    """Collect start-up's garbage (a frozen object is never collected), then freeze the rest
    and collect the young generation less often; returns how many objects were frozen."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, middle, old)
    return gc.get_freeze_count()


def unfreeze_heap() -> None:
    gc.unfreeze()
