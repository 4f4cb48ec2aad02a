"""vision-r1: the complete Vision-R1 training recipe on verl, with a CPU path for laptops and CI."""

__version__ = "0.1.0"
