"""Entry point of the frozen (PyInstaller) app: the same `mediarec-gui` as an installed package."""
import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # analysis workers are processes; a frozen app must re-enter here
    from mediarec.ui.app import main

    sys.exit(main(argv=sys.argv))
