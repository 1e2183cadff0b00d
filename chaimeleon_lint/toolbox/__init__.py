"""`chaimeleon-lint toolbox`: the EUCAIM toolbox submission check and its integration test."""
