import sys

from keras_clr_cli import main

sys.exit(main())
