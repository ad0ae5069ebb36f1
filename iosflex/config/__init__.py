"""The typed running-config and its renderers (one feature module each, registered in model.py)."""
