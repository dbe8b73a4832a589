"""pytest plugin (entry point `pytest11`): filled in by issue #6 (record/replay)."""
