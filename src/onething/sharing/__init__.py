"""Shared data: the population and legal-person base libraries, read through the principal and the audit log."""
