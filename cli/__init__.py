"""The `cchc` command (Typer + Rich)."""
