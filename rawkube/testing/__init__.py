"""Testing support: the embedded local API server and HTTP record/replay (issues #5, #6)."""
