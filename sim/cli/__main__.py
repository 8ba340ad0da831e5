"""python -m sim.cli: the gfsim command."""
import sys

from sim.cli.main import main

sys.exit(main())
