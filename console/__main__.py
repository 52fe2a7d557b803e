"""`python -m console` is the `console` command."""

import sys

from console.cli import main

sys.exit(main())
