"""Electronic licenses (电子证照): identifiers, canonical content, issuing, sealing, verifying, the wallet."""
