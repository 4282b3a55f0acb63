"""`python -m conversations <verb>`: the conversation record's command line."""

from conversations.cli import main

main()
