"""`python -m policies_kb <verb>`: the editors' command line."""

from policies_kb.cli import main

main()
