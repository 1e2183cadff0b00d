"""Instructions to what the image will contain: users, files, packages, labels, launch."""
