"""`chaimeleon-lint review`: a catalogue request checked against the repository and image it points at."""
