"""Kubernetes manifests of a platform run (`chaimeleon-lint manifest`): the objects, and their YAML."""
