"""Benefit policies (惠企政策): rules, two evaluators, lists and payments (免申即享)."""
