# The clinic console (en): layout.
