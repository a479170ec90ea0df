"""The fast tier (a package, so its module names never clash with the other tiers')."""
