"""Command-definition language, graph compiler and matcher (see DESIGN.md, The CLI)."""
