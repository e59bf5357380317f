"""python -m mediarec"""
import sys

from .cli import main

sys.exit(main())
