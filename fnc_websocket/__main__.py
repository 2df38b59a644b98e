"""``python -m fnc_websocket``: the ``fnc-ws`` command line."""

import sys

from fnc_websocket.cli.main import main

sys.exit(main())
