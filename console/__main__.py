"""`python -m console` is the `console` command."""

import sys

from console.launch import main

sys.exit(main())
