"""``python -m banksim <django command>``: manage.py for the simulator's own project.

The simulator is a separate Django project with its own settings and database, so it gets
its own entry point instead of sharing the portal's manage.py.
"""

import os
import sys


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "banksim.settings"
    from django.core.management import execute_from_command_line

    execute_from_command_line(["python -m banksim", *sys.argv[1:]])


if __name__ == "__main__":
    main()
