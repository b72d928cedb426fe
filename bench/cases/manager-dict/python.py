"""CPython: see ../_manager-lib/manager_dict.py."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_manager-lib"))

from manager_dict import main  # noqa: E402

if __name__ == "__main__":
    main()
