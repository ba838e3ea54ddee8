"""One module per ``policyqa`` subcommand; see assistant/cli.py."""
