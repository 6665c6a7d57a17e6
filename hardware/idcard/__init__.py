"""ID-card reader: SAM frame codec, card decoding, pyserial driver and a simulated reader."""

import logging

logging.getLogger(__name__).addHandler(logging.NullHandler())
