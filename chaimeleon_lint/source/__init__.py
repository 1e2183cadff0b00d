"""Text to instructions and shell commands: Dockerfile and shell syntax, not their meaning."""
