"""Start the triage workstation window: python main.py [--db PATH] [--demo]."""

import sys

from triage_app.ui.app import main

if __name__ == "__main__":
    sys.exit(main())
