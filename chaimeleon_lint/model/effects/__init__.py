"""What shell commands do to an image: accounts, files, packages."""
