from chaimeleon_lint.cli import main

main()
