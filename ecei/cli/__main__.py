"""`python -m ecei.cli`: the same command as the `ecei` script."""

from ecei.cli import main

main()
