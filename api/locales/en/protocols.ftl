# The console: the clinic's own protocol (list, editor, preview, compare, publish).
