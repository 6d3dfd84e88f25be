import sys

from robotics_training.cli import main

sys.exit(main())
