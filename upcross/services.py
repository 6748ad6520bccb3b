"""Deprecated alias of :mod:`upcross.recompute` (the recompute's old module name)."""

from upcross.deprecation import forward

__getattr__ = forward("upcross.services", "upcross.recompute")
