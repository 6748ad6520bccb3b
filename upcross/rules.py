"""Deprecated alias of :mod:`upcross.rule_evaluation` (upgrade-rule previews)."""

from upcross.deprecation import forward

__getattr__ = forward("upcross.rules", "upcross.rule_evaluation")
