"""CHL105 with `--since`: what changed since a git ref, and whether versions went up with it."""
