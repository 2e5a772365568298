# The clinic console (en): layout.

# The recovery chart: its axes, legend and description for screen readers.
chart_x_axis = Treatment day
chart_y_axis = Score (0–10)
chart_urgent = Urgent check-in
chart_routine = Routine check-in
chart_desc = Redness, swelling and pain from { $count } check-ins, day { $first } to day { $last }, on a 0 to 10 scale.
chart_desc_empty = No check-ins with a treatment day yet.
chart_desc_band = The expected redness ceiling drops from { $from } to { $to } on day { $day }.
chart_desc_marks = { $urgent } urgent check-ins are marked with a triangle and { $routine } routine check-ins with a square.
