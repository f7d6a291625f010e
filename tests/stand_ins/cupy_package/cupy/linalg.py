from numpy.linalg import *  # noqa: F403
from numpy.linalg import lstsq  # noqa: F401
