"""Identity and access: orgs, halls and windows, users and roles, login, the Principal, the audit log."""
