"""The build-and-test phase: build the image with the user's engine and try the real thing.

It talks to the engine only through its command line (docker or podman), so remote engines
(`DOCKER_HOST`, contexts, `podman --remote`) work as the user configured them.
"""
