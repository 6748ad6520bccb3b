"""Deprecated alias of :mod:`upcross.rule_evaluation` (complement rules)."""

from upcross.deprecation import forward

__getattr__ = forward("upcross.complement_rules", "upcross.rule_evaluation",
                      renamed={"rule_pairs": "complement_rule_pairs"})
