from pathlib import Path

# locales/ and documents/ are data shipped beside the packages.
PROJECT_ROOT = Path(__file__).resolve().parents[1]
