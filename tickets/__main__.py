"""`python -m tickets <verb>`: the command line of staff and operators."""

from tickets.cli import main

main()
