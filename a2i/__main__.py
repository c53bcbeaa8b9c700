import sys

from a2i.cli import main

sys.exit(main())
