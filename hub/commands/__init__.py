"""Subcommands of ``hub``; see ``hub.cli``."""
