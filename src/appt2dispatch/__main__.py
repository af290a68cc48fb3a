"""`python -m appt2dispatch`."""

from appt2dispatch.cli import main

main()
