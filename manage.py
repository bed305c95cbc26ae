#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bankint.settings.base")
    if not os.environ["DJANGO_SETTINGS_MODULE"].endswith(".production"):
        # A first machine names no PostgreSQL or Redis: the embedded ones, as `make run` has them.
        from bankint.embedded import ensure

        ensure(fresh=False)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
