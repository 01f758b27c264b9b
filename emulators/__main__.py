"""`python -m emulators PLATFORM --port N`: one platform's emulator on its own."""

import sys

from emulators.cli import main

sys.exit(main())
