# The clinic console (es): layout.
