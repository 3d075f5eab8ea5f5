"""Demo data: orgs every catalog item can be routed to, accounts for every role, base libraries."""
