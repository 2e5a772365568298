# The clinic console (en): escalations.
