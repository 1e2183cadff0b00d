from chaimeleon_lint.entry import entry

entry()
