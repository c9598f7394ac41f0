import sys

from bot.cli import main

if __name__ == "__main__":  # receipts' PDFs are made in spawned processes, which import this
    sys.exit(main())
