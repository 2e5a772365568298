# The clinic console (es): escalations.
