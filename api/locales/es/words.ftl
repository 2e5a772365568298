# The clinic console (es): words.
