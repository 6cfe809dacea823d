"""Serve a site folder on loopback in its own process, so neither measured command pays for it.

    python bench/serve.py FOLDER PORT_FILE

Writes the chosen port to PORT_FILE once listening; serves until killed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ecei.demo.mirror import serve

if __name__ == "__main__":
    folder, port_file = Path(sys.argv[1]), Path(sys.argv[2])
    with serve(folder) as mirror:
        assert mirror.server is not None
        port_file.write_text(str(mirror.server.server_port))
        while True:
            time.sleep(3600)
