"""Where the command line prints (one rich console for every command)."""

from rich.console import Console

console = Console()
