from chaimeleon_lint.cli import entry

entry()
