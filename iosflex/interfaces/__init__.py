"""Later issues: see DESIGN.md."""
