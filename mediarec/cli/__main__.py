"""python -m mediarec.cli"""
import sys

from . import main

sys.exit(main())
