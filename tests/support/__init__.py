"""Test support shared by the unit tests and the hack/ scripts (not shipped)."""
