# The clinic console (en): words.
