"""Command-line front: argument parsing, exit codes and the scripting commands."""
