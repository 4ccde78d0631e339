"""The `sitewatch` console script: Django's manage.py for this project."""

import os
import sys


def main() -> None:
    if sys.argv[1:2] == ["assess"] and any(a == "--evidence" or a.startswith("--evidence=") for a in sys.argv[2:]):
        # Recomputing from an evidence file needs neither settings nor a database.
        from sitewatch.assessment.cli import main as assess_main

        sys.exit(assess_main(sys.argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sitewatch.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
