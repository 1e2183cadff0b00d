"""chaimeleon-lint: will this Dockerfile be accepted into the CHAIMELEON platform?"""

__version__ = "0.1.0"
