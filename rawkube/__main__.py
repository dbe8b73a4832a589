"""`python -m rawkube` runs the command line (see rawkube/cli)."""

from rawkube.cli import main

raise SystemExit(main())
