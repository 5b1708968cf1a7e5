"""Tools for operators that drive the running service from outside (load tests)."""
